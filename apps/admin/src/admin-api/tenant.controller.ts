import { Controller, Get, UseGuards } from '@nestjs/common';
import { RequiresApiGroup } from '@cloudflow/platform';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from './admin-bearer.guard';
import { AdminApiController, TenantDocs } from './admin-api.docs';
import { TenantService } from './tenant.service';

/** GET /admin/v1/tenant (CONTRACT.md §9). */
@AdminApiController('Business profile')
@RequiresApiGroup('admin')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Get('tenant')
  @TenantDocs()
  tenant(@AdminCaller() caller: AdminCallerInfo) {
    return this.tenants.get(caller.tenantId);
  }
}
