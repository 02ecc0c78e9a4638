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
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ErrorCode } from '@cloudflow/contracts';
import { errorExample, Public } from '@cloudflow/platform';
import { ApiTags } from '@nestjs/swagger';
import { BlockedEndpointsService } from './blocked-endpoints.service';
import { OperatorDevelopersService } from './operator-developers.service';
import { OperatorKeysService } from './operator-keys.service';
import { OperatorTenantsService } from './operator-tenants.service';
import { OperatorTokenGuard } from './operator-token.guard';
import {
  CreateBlockedDocs,
  DeleteBlockedDocs,
  GetCeilingDocs,
  KeyChangeDocs,
  ListBlockedDocs,
  ListDevelopersDocs,
  ListKeysDocs,
  MakeProductionDocs,
  RenewKeyDocs,
  SetCeilingDocs,
} from './operator.docs';
import {
  BlockedEndpointIdParams,
  ConnectionCeilingDto,
  CreateBlockedEndpointDto,
  DeveloperIdParams,
  KeyIdParams,
  KeysQueryDto,
  TenantIdParams,
  UpdateKeyDto,
} from './operator.dto';

// The operator API (CONTRACT.md §11) takes no APP key: the operator token is its only credential.

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('Developers')
@Controller('operator/v1/developers')
export class OperatorDevelopersController {
  constructor(private readonly developers: OperatorDevelopersService) {}

  @Get()
  @ListDevelopersDocs()
  list() {
    return this.developers.list();
  }

  @Post(':developerId/production')
  @MakeProductionDocs()
  @HttpCode(200)
  makeProduction(@Param() params: DeveloperIdParams) {
    return this.developers.makeProduction(params.developerId);
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('APP keys')
@Controller('operator/v1/keys')
export class OperatorKeysController {
  constructor(private readonly keys: OperatorKeysService) {}

  @Get()
  @ListKeysDocs()
  list(@Query() query: KeysQueryDto) {
    return this.keys.list(query.email);
  }

  @Post(':keyId/revoke')
  @KeyChangeDocs('Revoke a key: 401 Invalid APP key everywhere within 5 s')
  @HttpCode(200)
  revoke(@Param() params: KeyIdParams) {
    return this.keys.revoke(params.keyId);
  }

  @Post(':keyId/expire')
  @KeyChangeDocs('Expire a key: 401 Key has expired, please renew, everywhere within 5 s')
  @HttpCode(200)
  expire(@Param() params: KeyIdParams) {
    return this.keys.expire(params.keyId);
  }

  @Post(':keyId/renew')
  @RenewKeyDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  renew(@Param() params: KeyIdParams) {
    return this.keys.renew(params.keyId);
  }

  @Patch(':keyId')
  @KeyChangeDocs(
    "Change a key's groups, daily limit, rate or expiry",
    errorExample(
      'badGroups',
      ErrorCode.invalidData,
      'Invalid data: groups: each value in groups must be one of the following values: client, device, admin',
    ),
  )
  update(@Param() params: KeyIdParams, @Body() dto: UpdateKeyDto) {
    return this.keys.update(params.keyId, dto);
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('Blocked endpoints')
@Controller('operator/v1/blocked-endpoints')
export class BlockedEndpointsController {
  constructor(private readonly blocked: BlockedEndpointsService) {}

  @Get()
  @ListBlockedDocs()
  list() {
    return this.blocked.list();
  }

  @Post()
  @CreateBlockedDocs()
  create(@Body() dto: CreateBlockedEndpointDto) {
    return this.blocked.create(dto.method, dto.pathPrefix);
  }

  @Delete(':id')
  @DeleteBlockedDocs()
  async delete(@Param() params: BlockedEndpointIdParams): Promise<{ id: string; deleted: true }> {
    await this.blocked.delete(params.id);
    return { id: params.id, deleted: true };
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('Tenants')
@Controller('operator/v1/tenants')
export class OperatorTenantsController {
  constructor(private readonly tenants: OperatorTenantsService) {}

  @Get(':tenantId/connection-ceiling')
  @GetCeilingDocs()
  connectionCeiling(@Param() params: TenantIdParams) {
    return this.tenants.connectionCeiling(params.tenantId);
  }

  @Put(':tenantId/connection-ceiling')
  @SetCeilingDocs()
  setConnectionCeiling(@Param() params: TenantIdParams, @Body() body: ConnectionCeilingDto) {
    return this.tenants.setConnectionCeiling(params.tenantId, body.connectionCeiling);
  }
}
