import type { AppKeySummary } from '@cloudflow/contracts';
import type { DeveloperEntity } from '../developers/developer.entity';
import type { TenantEntity } from '../tenants/tenant.entity';
import { toCompanyView, toDeveloperView, type CompanyView, type DeveloperView } from '../portal/portal.views';

/** A key as the operator sees it (CONTRACT.md §11): auth's summary joined with the owner's email. */
export type OperatorKeyView = Pick<
  AppKeySummary,
  | 'keyId'
  | 'prefix'
  | 'developerId'
  | 'kind'
  | 'status'
  | 'groups'
  | 'usageLimitPerDay'
  | 'ratePerSecond'
  | 'usedToday'
  | 'lastUsedAt'
  | 'expiresAt'
> & { email: string | null };

export interface OperatorDeveloperView extends DeveloperView {
  createdAt: string;
  tenant: CompanyView | null;
}

export const toOperatorKeyView = (k: AppKeySummary, email: string | null): OperatorKeyView => ({
  keyId: k.keyId,
  prefix: k.prefix,
  developerId: k.developerId,
  email,
  kind: k.kind,
  status: k.status,
  groups: k.groups,
  usageLimitPerDay: k.usageLimitPerDay,
  ratePerSecond: k.ratePerSecond,
  usedToday: k.usedToday,
  lastUsedAt: k.lastUsedAt,
  expiresAt: k.expiresAt,
});

export const toOperatorDeveloperView = (
  d: DeveloperEntity,
  tenant: TenantEntity | null,
): OperatorDeveloperView => ({
  ...toDeveloperView(d),
  createdAt: d.createdAt.toISOString(),
  tenant: tenant ? toCompanyView(tenant) : null,
});
