import { Body, Controller, Header, Post, UseGuards } from '@nestjs/common';
import { RequiresApiGroup } from '@cloudflow/platform';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from './admin-bearer.guard';
import { AdminApiController, CreateAppKeyDocs } from './admin-api.docs';
import { CreateAppKeyDto } from './app-keys.dto';
import { AppKeysService } from './app-keys.service';

/** POST /admin/v1/app-keys (CONTRACT.md §11): more named keys for a production tenant. */
@AdminApiController('APP keys')
@RequiresApiGroup('admin')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1')
export class AppKeysController {
  constructor(private readonly keys: AppKeysService) {}

  @Post('app-keys')
  @CreateAppKeyDocs()
  @Header('Cache-Control', 'no-store')
  create(@AdminCaller() caller: AdminCallerInfo, @Body() dto: CreateAppKeyDto) {
    return this.keys.create(caller.developerId, dto.name);
  }
}
