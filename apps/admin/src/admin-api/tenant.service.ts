import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { TenantsRepository } from '../tenants/tenants.repository';

export interface TenantView {
  tenantId: string;
  businessCode: string;
  name: string;
}

@Injectable()
export class TenantService {
  constructor(private readonly tenants: TenantsRepository) {}

  async get(tenantId: string): Promise<TenantView> {
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new CloudFlowError(ErrorCode.notFound, 'Tenant does not exist');
    return { tenantId: tenant.id, businessCode: tenant.businessCode, name: tenant.name };
  }
}
