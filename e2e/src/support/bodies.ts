import type {
  AppKeySummary,
  KeyKind,
  OptionalEventType,
  PortalSession,
  RequestView,
  SimulationSettings,
  UserRole,
} from '@cloudflow/contracts';

/**
 * Answers of the admin service's portal, admin and operator APIs, and of a few gateway routes,
 * that @cloudflow/contracts has no type for: they are the services' own views (apps/admin/src
 * `*.views.ts` and services), which an e2e spec may not import. Local mirrors for `http<T>()`;
 * what the specs assert is what checks them against the real answers.
 */

/** GET /dummyapi/status with a valid APP key (seed 000). */
export interface StatusOk {
  status: 'OK';
  message: string;
}

/** Every service's /readyz: `status: 'ready'` (200), else an error body (503); the checks either way. */
export interface Readiness {
  status?: 'ready';
  errorCode?: string;
  checks: Record<string, boolean>;
}

// ---- Portal (/portal/v1) ----

export interface SignedUp {
  developerId: string;
}

/** POST /portal/v1/login: the session token (auth's expiresIn is not passed on). */
export type PortalLogin = Pick<PortalSession, 'sessionToken'>;

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

export interface UsageDay {
  day: string;
  requests: number;
  paymentsSync: number;
  paymentsAsync: number;
}

/** GET /portal/v1/usage: every day of the range, zeros where nothing was used. */
export interface UsageSeries {
  from: string;
  to: string;
  days: UsageDay[];
}

// ---- Admin API (/admin/v1) ----

/** GET /admin/v1/tenant. */
export type TenantView = CompanyView;

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

export interface DeviceAdminView {
  referenceId: string;
  serialNumber: string;
  model: string;
  name: string | null;
  location: string | null;
  enabled: boolean;
  clientAccountId: string;
  createdAt: string;
  simulated: boolean;
  /** Simulated devices only. */
  simulation?: SimulationSettings;
}

/** The create answer: the only time the device's API token is shown. */
export interface NewDeviceView extends DeviceAdminView {
  apiToken: string;
}

export interface RotatedAccountToken {
  accountId: string;
  apiToken: string;
}

export interface RotatedDeviceToken {
  clientAccountId: string;
  referenceId: string;
  apiToken: string;
}

export interface DeletedAccount {
  accountId: string;
  deleted: true;
}

export interface DeletedDevice {
  clientAccountId: string;
  referenceId: string;
  deleted: true;
}

/** POST /admin/v1/accounts/{accountId}/webhook-secret. */
export interface RotatedSecretView {
  accountId: string;
  webhookSecret: string;
  previousExpiresAt: string | null;
}

export interface UserView {
  userId: string;
  username: string;
  name: string;
  email: string | null;
  timeZone: string;
  role: UserRole;
  createdAt: string;
}

/** POST /admin/v1/app-keys (production developers). */
export interface NewAppKeyView {
  keyId: string;
  prefix: string;
  name: string;
  appKey: string;
}

// ---- Operator API (/operator/v1) ----

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

/** POST /operator/v1/keys/{keyId}/renew. */
export interface RenewedKey {
  keyId: string;
  appKey: string;
}

export interface ConnectionCeilingView {
  tenantId: string;
  connectionCeiling: number | null;
  effectiveCeiling: number;
  source: 'tenant' | 'deployment';
}

// ---- Client API (/client/v1.x) ----

/** GET /client/v1.1/devices/{referenceId}/connected. */
export type DeviceConnection =
  { connected: true; connectedSince: string } | { connected: false; lastSeen: string | null };

/** POST /client/v1.1/requests when this call dispatched it (202). */
export interface RequestAccepted {
  requestId: string;
  status: 'dispatched';
}

/** POST /client/v1.1/requests/{requestId}/cancel. */
export interface CancelAnswer {
  outcome: 'cancelled' | 'tooLate' | 'pending';
  request: RequestView;
}
