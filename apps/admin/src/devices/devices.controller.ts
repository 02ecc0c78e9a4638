import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { RequiresApiGroup } from '@cloudflow/platform';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from '../admin-api/admin-bearer.guard';
import { AdminApiController } from '../admin-api/admin-api.docs';
import {
  CreateDeviceDocs,
  DeleteDeviceDocs,
  GetDeviceDocs,
  ListDevicesDocs,
  RotateDeviceTokenDocs,
  UpdateDeviceDocs,
} from './devices.docs';
import { AccountParams } from '../accounts/accounts.dto';
import { CreateDeviceDto, DeviceParams, UpdateDeviceDto } from './devices.dto';
import { DevicesService } from './devices.service';

/** /admin/v1/accounts/{accountId}/devices (CONTRACT.md §9), inside the caller's tenant. */
@AdminApiController('Devices')
@RequiresApiGroup('admin')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1/accounts/:accountId/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @CreateDeviceDocs()
  @Header('Cache-Control', 'no-store')
  create(
    @AdminCaller() caller: AdminCallerInfo,
    @Param() params: AccountParams,
    @Body() dto: CreateDeviceDto,
  ) {
    return this.devices.create(caller.tenantId, params.accountId, dto, caller.developerId);
  }

  @Get()
  @ListDevicesDocs()
  list(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.devices.list(caller.tenantId, params.accountId);
  }

  @Get(':referenceId')
  @GetDeviceDocs()
  get(@AdminCaller() caller: AdminCallerInfo, @Param() params: DeviceParams) {
    return this.devices.get(caller.tenantId, params.accountId, params.referenceId);
  }

  @Patch(':referenceId')
  @UpdateDeviceDocs()
  update(
    @AdminCaller() caller: AdminCallerInfo,
    @Param() params: DeviceParams,
    @Body() dto: UpdateDeviceDto,
  ) {
    return this.devices.update(caller.tenantId, params.accountId, params.referenceId, dto);
  }

  @Delete(':referenceId')
  @DeleteDeviceDocs()
  delete(@AdminCaller() caller: AdminCallerInfo, @Param() params: DeviceParams) {
    return this.devices.delete(caller.tenantId, params.accountId, params.referenceId);
  }

  @Post(':referenceId/api-token')
  @RotateDeviceTokenDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  rotateToken(@AdminCaller() caller: AdminCallerInfo, @Param() params: DeviceParams) {
    return this.devices.rotateToken(caller.tenantId, params.accountId, params.referenceId);
  }
}
