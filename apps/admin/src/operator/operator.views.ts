import type { AppKeySummary, OperatorDeveloperView, OperatorKeyView } from '@cloudflow/contracts';
import type { DeveloperEntity } from '../developers/developer.entity';
import type { TenantEntity } from '../tenants/tenant.entity';
import { toCompanyView, toDeveloperView } from '../portal/portal.views';

/** The shapes are the contract's (libs/contracts admin-api.views); the mapping is admin's. */
export type { OperatorDeveloperView, OperatorKeyView } from '@cloudflow/contracts';

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
