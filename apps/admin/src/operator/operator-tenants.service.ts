import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { AccountsRepository } from '../accounts/accounts.repository';
import { RelayEventsPublisher } from '../common/relay-events.publisher';
import { ConnectionCeilings } from '../tenants/connection-ceilings';
import { TenantsRepository } from '../tenants/tenants.repository';

export interface ConnectionCeilingView {
  tenantId: string;
  /** The operator's own ceiling for the tenant; null: none set. */
  connectionCeiling: number | null;
  /** What applies: the tenant's ceiling, else the deployment's. */
  effectiveCeiling: number;
  source: 'tenant' | 'deployment';
}

/** The operator's per-tenant connection ceiling (issue 12 item 7). */
@Injectable()
export class OperatorTenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly ceilings: ConnectionCeilings,
    private readonly accounts: AccountsRepository,
    private readonly events: RelayEventsPublisher,
  ) {}

  async connectionCeiling(tenantId: string): Promise<ConnectionCeilingView> {
    const own = await this.tenants.connectionCeiling(tenantId);
    if (own === undefined) throw tenantNotFound(tenantId);
    return this.view(tenantId, own);
  }

  /**
   * Sets or clears the ceiling. Accounts already above a lowered ceiling keep their stored limit,
   * but the hubs are handed the ceiling from now on: each account's change broadcast drops their
   * cached copy, so new sockets past it are refused at once (open ones stay).
   */
  async setConnectionCeiling(tenantId: string, ceiling: number | null): Promise<ConnectionCeilingView> {
    if (!(await this.tenants.setConnectionCeiling(tenantId, ceiling))) throw tenantNotFound(tenantId);
    const accounts = await this.accounts.list(tenantId);
    await Promise.all(accounts.map((a) => this.events.changed(tenantId, a.accountId)));
    return this.view(tenantId, ceiling);
  }

  private async view(tenantId: string, own: number | null): Promise<ConnectionCeilingView> {
    const { ceiling, source } = await this.ceilings.of(tenantId);
    return { tenantId, connectionCeiling: own, effectiveCeiling: ceiling, source };
  }
}

function tenantNotFound(tenantId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.notFound, `Tenant '${tenantId}' does not exist`);
}
