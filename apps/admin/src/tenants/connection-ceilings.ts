import { Injectable } from '@nestjs/common';
import { AdminConfig } from '../admin.config';
import { TenantsRepository } from './tenants.repository';

/**
 * The most connections an account of a tenant may hold (issue 12 item 7): the operator's ceiling
 * for that tenant when set (up or down), else the deployment's CONNECTION_LIMIT_CEILING. Accounts
 * may not be given more, and the hubs are handed min(account limit, ceiling).
 */
@Injectable()
export class ConnectionCeilings {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly config: AdminConfig,
  ) {}

  async of(tenantId: string): Promise<{ ceiling: number; source: 'tenant' | 'deployment' }> {
    const own = await this.tenants.connectionCeiling(tenantId);
    return typeof own === 'number'
      ? { ceiling: own, source: 'tenant' }
      : { ceiling: this.config.CONNECTION_LIMIT_CEILING, source: 'deployment' };
  }
}
