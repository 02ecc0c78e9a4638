import type { AppKeySummary, KeyKind } from '../auth/app-key.messages';
import type { OptionalEventType } from '../relay/presence-events';
import type { SimulationSettings } from '../../simulation/simulation.messages';
import type { UserRole } from './user.messages';

/**
 * The answers of the admin service's HTTP APIs (CONTRACT.md §9–§11): portal, admin and operator.
 * Admin maps its entities to these (entities never leave the service); the SDK's users and the
 * end-to-end specs read the same shapes.
 */

// ---- Portal (/portal/v1) ----

export interface DeveloperView {
  developerId: string;
  name: string;
  email: string;
  kind: KeyKind;
}

export interface CompanyView {
  tenantId: string;
  businessCode: string;
  name: string;
}

export interface AdminUserView {
  userId: string;
  username: string;
  name: string;
  email: string;
  timeZone: string;
}

export type PortalKeyView = Pick<
  AppKeySummary,
  | 'keyId'
  | 'prefix'
  | 'kind'
  | 'status'
  | 'groups'
  | 'usageLimitPerDay'
  | 'usedToday'
  | 'expiresAt'
  | 'lastUsedAt'
>;

export interface SettingsView {
  developer: DeveloperView;
  company: CompanyView | null;
  adminUser: AdminUserView | null;
  appKeys: PortalKeyView[];
}

// ---- Admin API (/admin/v1) ----

/** An account as the admin API shows it (CONTRACT.md §9). */
export interface AccountView {
  accountId: string;
  name: string;
  connectionLimit: number;
  webhookUrl: string | null;
  webhookEvents: OptionalEventType[];
  requestTimeoutSeconds: number;
  createdAt: string;
}

/** The create answer: the only time the API token and webhook secret are shown. */
export interface NewAccountView extends AccountView {
  apiToken: string;
  webhookSecret: string;
}

/** A device as the admin API shows it (CONTRACT.md §9). */
export interface DeviceAdminView {
  referenceId: string;
  serialNumber: string;
  model: string;
  name: string | null;
  location: string | null;
  enabled: boolean;
  clientAccountId: string;
  createdAt: string;
  /** The platform answers for it (issue 13). */
  simulated: boolean;
  /** Simulated devices only. */
  simulation?: SimulationSettings;
}

/** The create answer: the only time the device's API token is shown. */
export interface NewDeviceView extends DeviceAdminView {
  apiToken: string;
}

/** A tenant user as the admin API shows it; credentials live in auth and never appear. */
export interface UserView {
  userId: string;
  username: string;
  name: string;
  email: string | null;
  timeZone: string;
  role: UserRole;
  createdAt: string;
}

// ---- Operator API (/operator/v1) ----

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
