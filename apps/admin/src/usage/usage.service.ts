import { Injectable } from '@nestjs/common';
import { SUBJECTS } from '@cloudflow/contracts';
import { RpcClient } from '@cloudflow/platform';
import { DevelopersRepository } from '../developers/developers.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import type { UsageRange } from './usage-range';
import { usageReport, type UsageLine, type UsageReport } from './usage-report';

/** Usage for billing: auth keeps the ledger, admin adds whose tenant and email each key is. */
@Injectable()
export class UsageService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly developers: DevelopersRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  async report(
    range: UsageRange,
    who: { developerIds?: string[]; keyIds?: string[] } = {},
  ): Promise<UsageReport> {
    const { rows } = await this.rpc.send(SUBJECTS.auth.usageQuery, { ...range, ...who });
    const developerIds = [...new Set(rows.map((r) => r.developerId))];
    const [developers, tenants] = await Promise.all([
      this.developers.findByIds(developerIds),
      this.tenants.findByDevelopers(developerIds),
    ]);
    const email = new Map(developers.map((d) => [d.id, d.email]));
    const tenant = new Map(tenants.map((t) => [t.developerId, t.id]));
    const lines: UsageLine[] = rows.map((r) => ({
      ...r,
      tenantId: tenant.get(r.developerId) ?? null,
      email: email.get(r.developerId) ?? null,
    }));
    return usageReport(range, lines);
  }
}
