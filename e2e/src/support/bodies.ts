import type { CompanyView, PortalSession, RequestView } from '@cloudflow/contracts';

// The portal, admin and operator views are the contract's (libs/contracts admin-api.views).
export type {
  AccountView,
  AdminUserView,
  CompanyView,
  DeveloperView,
  DeviceAdminView,
  NewAccountView,
  NewDeviceView,
  OperatorDeveloperView,
  OperatorKeyView,
  PortalKeyView,
  SettingsView,
  UserView,
} from '@cloudflow/contracts';

/**
 * The few answers of the admin service and the gateway that @cloudflow/contracts has no type for
 * (built inline by a service, which an e2e spec may not import). Local mirrors for `http<T>()`;
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

/** POST /admin/v1/app-keys (production developers). */
export interface NewAppKeyView {
  keyId: string;
  prefix: string;
  name: string;
  appKey: string;
}

// ---- Operator API (/operator/v1) ----

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
