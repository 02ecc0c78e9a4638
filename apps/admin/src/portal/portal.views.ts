import type {
  AdminUserView,
  AppKeySummary,
  CompanyView,
  DeveloperView,
  PortalKeyView,
} from '@cloudflow/contracts';
import type { DeveloperEntity } from '../developers/developer.entity';
import type { TenantEntity } from '../tenants/tenant.entity';
import type { UserEntity } from '../users/user.entity';

/** What the portal shows; entities never leave the service, these plain objects do (their
 * shapes are the contract's: libs/contracts admin-api.views). */
export type {
  AdminUserView,
  CompanyView,
  DeveloperView,
  PortalKeyView,
  SettingsView,
} from '@cloudflow/contracts';

export const toDeveloperView = (d: DeveloperEntity): DeveloperView => ({
  developerId: d.id,
  name: d.name,
  email: d.email,
  kind: d.kind,
});

export const toCompanyView = (t: TenantEntity): CompanyView => ({
  tenantId: t.id,
  businessCode: t.businessCode,
  name: t.name,
});

export const toAdminUserView = (u: UserEntity): AdminUserView => ({
  userId: u.id,
  username: u.username,
  name: u.name,
  email: u.email,
  timeZone: u.timeZone,
});

export const toPortalKeyView = (k: AppKeySummary): PortalKeyView => ({
  keyId: k.keyId,
  prefix: k.prefix,
  kind: k.kind,
  status: k.status,
  groups: k.groups,
  usageLimitPerDay: k.usageLimitPerDay,
  usedToday: k.usedToday,
  expiresAt: k.expiresAt,
  lastUsedAt: k.lastUsedAt,
});
