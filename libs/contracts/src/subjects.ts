/**
 * Every NATS subject, in one file: `service.entity.verb.vN`. The typed client accepts only
 * these, and the maps below tie each subject to its request and response.
 */
import type {
  AppKeyInfo,
  AppKeyList,
  BlockedEndpoint,
  BlockedEndpointIdRequest,
  BlockedEndpointList,
  CreateAppKeyRequest,
  CreateBlockedEndpointRequest,
  DeveloperKeysRequest,
  EmptyRequest,
  IssuedAppKey,
  KeyIdRequest,
  ListAppKeysRequest,
  RevealAppKeyRequest,
  UpdateAppKeyRequest,
  VerifyAppKeyRequest,
  AppKeySummary,
  AppKeyChangedEvent,
} from './messages/auth/app-key.messages';
import type {
  DeveloperLoginRequest,
  Jwks,
  JwksRequest,
  PasswordGrantRequest,
  PortalSession,
  RefreshGrantRequest,
  RegisterDeveloperRequest,
  SessionRevokeRequest,
  SetUserCredentialsRequest,
  TokenPair,
  TokenStatus,
  TokenStatusRequest,
} from './messages/auth/credential.messages';
import type { FindLoginUserRequest, LoginUser } from './messages/admin/user.messages';
import type {
  UsageQueryRequest,
  UsageQueryResult,
  UsageReportedEvent,
  UsageReportRequest,
  UsageTotals,
} from './messages/auth/usage.messages';
import type {
  AccessRevokedEvent,
  DeleteCredentialRequest,
  CredentialCheckRequest,
  CredentialCheck,
  IssuedApiToken,
  SetAccountCredentialRequest,
  SetDeviceCredentialRequest,
  VerifiedAccount,
  VerifiedDevice,
  VerifyAccountRequest,
  VerifyDeviceRequest,
  WebhookSecret,
  WebhookSecretRequest,
  WebsocketToken,
  WebsocketTokenRequest,
} from './messages/relay/credential.messages';
import type { ListRequestsRequest, RequestLog } from './messages/gateway/request-log.messages';
import type {
  ListWebhookDeliveriesRequest,
  RedeliverDeadWebhooksRequest,
  RedeliveredWebhooks,
  RedeliverWebhookRequest,
  RotatedWebhookSecret,
  RotateWebhookSecretRequest,
  WebhookDeliveryList,
  WebhookDeliverySummary,
  WebhookReceiverRequest,
  WebhookReceiverStatus,
} from './messages/gateway/webhook-operations.messages';
import type { ListSimulatedDevicesRequest, SimulatedDeviceList } from './simulation/simulation.messages';
import type {
  AccountRecord,
  DeviceList,
  DeviceRecord,
  GetAccountRequest,
  GetDeviceRequest,
  GetDevicesRequest,
  ListDevicesRequest,
} from './messages/relay/device.messages';

export const SUBJECTS = {
  auth: {
    appKeyVerify: 'auth.appKey.verify.v1',
    appKeyReveal: 'auth.appKey.reveal.v1',
    appKeyList: 'auth.appKey.list.v1',
    appKeyCreate: 'auth.appKey.create.v1',
    appKeyRevoke: 'auth.appKey.revoke.v1',
    appKeyExpire: 'auth.appKey.expire.v1',
    appKeyRenew: 'auth.appKey.renew.v1',
    appKeyUpdate: 'auth.appKey.update.v1',
    developerKeys: 'auth.developer.keys.v1',
    developerRegister: 'auth.developer.register.v1',
    developerLogin: 'auth.developer.login.v1',
    userCredentialsSet: 'auth.user.credentials.set.v1',
    tokenPassword: 'auth.token.password.v1',
    tokenRefresh: 'auth.token.refresh.v1',
    jwksGet: 'auth.jwks.get.v1',
    tokenStatus: 'auth.token.status.v1',
    sessionRevoke: 'auth.session.revoke.v1',
    blockedEndpointList: 'auth.blockedEndpoint.list.v1',
    blockedEndpointCreate: 'auth.blockedEndpoint.create.v1',
    blockedEndpointDelete: 'auth.blockedEndpoint.delete.v1',
    accountCredentialSet: 'auth.accountCredential.set.v1',
    accountVerify: 'auth.accountCredential.verify.v1',
    deviceCredentialSet: 'auth.deviceCredential.set.v1',
    deviceVerify: 'auth.deviceCredential.verify.v1',
    credentialDelete: 'auth.credential.delete.v1',
    /** Hubs, after a NATS reconnect: are the credentials of my open sockets still the same? */
    credentialCheck: 'auth.credential.check.v1',
    websocketToken: 'auth.websocketToken.issue.v1',
    webhookSecretCreate: 'auth.webhookSecret.create.v1',
    webhookSecretGet: 'auth.webhookSecret.get.v1',
    /** A new secret; the old one keeps signing beside it for the overlap (issue 14). */
    webhookSecretRotate: 'auth.webhookSecret.rotate.v1',
    usageReport: 'auth.usage.report.v1',
    /** The usage ledger, per key × period × API group (operator invoicing, a tenant's own usage). */
    usageQuery: 'auth.usage.query.v1',
  },
  admin: {
    userFindForLogin: 'admin.user.findForLogin.v1',
    deviceList: 'admin.device.list.v1',
    deviceGet: 'admin.device.get.v1',
    /** Several devices of one account at once (hubs, for a burst of device upgrades). */
    deviceGetMany: 'admin.device.getMany.v1',
    accountGet: 'admin.account.get.v1',
    /** Hubs: the simulated devices the platform hosts (issue 13), a page at a time. */
    simulatedDeviceList: 'admin.device.simulated.list.v1',
  },
  gateway: {
    /** admin → gateway (queue group `gateway`): a tenant's request log. */
    requestList: 'gateway.request.list.v1',
    /** admin → gateway (issue 14): an account's webhook deliveries, their redelivery, its receiver's health. */
    webhookDeliveryList: 'gateway.webhookDelivery.list.v1',
    webhookRedeliver: 'gateway.webhookDelivery.redeliver.v1',
    webhookRedeliverDead: 'gateway.webhookDelivery.redeliverDead.v1',
    webhookReceiverGet: 'gateway.webhookReceiver.get.v1',
    webhookReceiverEnable: 'gateway.webhookReceiver.enable.v1',
  },
} as const;

/** Broadcasts: every instance receives them (no queue group). */
export const EVENTS = {
  appKeyChanged: 'auth.appKey.changed.v1',
  blockedEndpointsChanged: 'auth.blockedEndpoint.changed.v1',
  /** Each key's cluster-wide usage after a persisted batch (usage limits on every instance). */
  usageReported: 'auth.usage.reported.v1',
  /** A credential rotated, a device disabled/deleted, an account deleted: drop caches, close sockets. */
  accessRevoked: 'cloudflow.access.revoked.v1',
  /** A device or account changed (name, location, limit, webhook): drop cached copies. */
  relayDataChanged: 'admin.relayData.changed.v1',
} as const;

/**
 * "This request is final now" (`Prefer: wait`, issue 13), published by the gateway that recorded
 * it, after the commit, on a subject of its own (`requestFinalSubject`): only a gateway holding a
 * waiting call for that request listens, so NATS drops the rest at the publisher's server.
 */
export const REQUEST_FINAL_PREFIX = 'gateway.request.final';

/** The token is a hash of the request's key: requestIds may hold characters a subject may not. */
export function requestFinalSubject(keyHash: string): string {
  return `${REQUEST_FINAL_PREFIX}.${keyHash}`;
}

/**
 * `accessRevoked` broadcasts are also kept, for this long, in a memory stream that captures
 * their subject (hubs create it): a hub follows it with an ordered consumer, which notices a gap
 * and asks again, so a broadcast the hub's plain subscription lost (a route between NATS nodes
 * down, a reconnect) still reaches it (issue 12 item 1). Longer than a websocket token lives.
 */
export const REVOCATIONS = { stream: 'CF_REVOCATIONS', maxAgeMs: 10 * 60_000 } as const;

type A = typeof SUBJECTS.auth;
type D = typeof SUBJECTS.admin;
type G = typeof SUBJECTS.gateway;

/** Request → response of every subject. */
export interface RpcMap {
  'auth.appKey.verify.v1': { request: VerifyAppKeyRequest; response: AppKeyInfo };
  'auth.appKey.reveal.v1': { request: RevealAppKeyRequest; response: IssuedAppKey };
  'auth.appKey.list.v1': { request: ListAppKeysRequest; response: AppKeyList };
  'auth.appKey.create.v1': { request: CreateAppKeyRequest; response: IssuedAppKey };
  'auth.appKey.revoke.v1': { request: KeyIdRequest; response: AppKeySummary };
  'auth.appKey.expire.v1': { request: KeyIdRequest; response: AppKeySummary };
  'auth.appKey.renew.v1': { request: KeyIdRequest; response: IssuedAppKey };
  'auth.appKey.update.v1': { request: UpdateAppKeyRequest; response: AppKeySummary };
  'auth.developer.keys.v1': { request: DeveloperKeysRequest; response: AppKeyList };
  'auth.developer.register.v1': { request: RegisterDeveloperRequest; response: IssuedAppKey };
  'auth.developer.login.v1': { request: DeveloperLoginRequest; response: PortalSession };
  'auth.user.credentials.set.v1': { request: SetUserCredentialsRequest; response: { ok: true } };
  'auth.token.password.v1': { request: PasswordGrantRequest; response: TokenPair };
  'auth.token.refresh.v1': { request: RefreshGrantRequest; response: TokenPair };
  'auth.jwks.get.v1': { request: JwksRequest; response: Jwks };
  'auth.token.status.v1': { request: TokenStatusRequest; response: TokenStatus };
  'auth.session.revoke.v1': { request: SessionRevokeRequest; response: { ok: true } };
  'auth.blockedEndpoint.list.v1': { request: EmptyRequest; response: BlockedEndpointList };
  'auth.blockedEndpoint.create.v1': { request: CreateBlockedEndpointRequest; response: BlockedEndpoint };
  'auth.blockedEndpoint.delete.v1': { request: BlockedEndpointIdRequest; response: { ok: true } };
  'auth.accountCredential.set.v1': { request: SetAccountCredentialRequest; response: IssuedApiToken };
  'auth.accountCredential.verify.v1': { request: VerifyAccountRequest; response: VerifiedAccount };
  'auth.deviceCredential.set.v1': { request: SetDeviceCredentialRequest; response: IssuedApiToken };
  'auth.deviceCredential.verify.v1': { request: VerifyDeviceRequest; response: VerifiedDevice };
  'auth.credential.delete.v1': { request: DeleteCredentialRequest; response: { ok: true } };
  'auth.credential.check.v1': { request: CredentialCheckRequest; response: CredentialCheck };
  'auth.websocketToken.issue.v1': { request: WebsocketTokenRequest; response: WebsocketToken };
  'auth.webhookSecret.create.v1': { request: WebhookSecretRequest; response: WebhookSecret };
  'auth.webhookSecret.get.v1': { request: WebhookSecretRequest; response: WebhookSecret };
  'auth.webhookSecret.rotate.v1': { request: RotateWebhookSecretRequest; response: RotatedWebhookSecret };
  'auth.usage.report.v1': { request: UsageReportRequest; response: UsageTotals };
  'auth.usage.query.v1': { request: UsageQueryRequest; response: UsageQueryResult };
  'admin.user.findForLogin.v1': { request: FindLoginUserRequest; response: LoginUser };
  'admin.device.list.v1': { request: ListDevicesRequest; response: DeviceList };
  'admin.device.get.v1': { request: GetDeviceRequest; response: DeviceRecord };
  'admin.device.getMany.v1': { request: GetDevicesRequest; response: DeviceList };
  'admin.device.simulated.list.v1': { request: ListSimulatedDevicesRequest; response: SimulatedDeviceList };
  'admin.account.get.v1': { request: GetAccountRequest; response: AccountRecord };
  'gateway.request.list.v1': { request: ListRequestsRequest; response: RequestLog };
  'gateway.webhookDelivery.list.v1': { request: ListWebhookDeliveriesRequest; response: WebhookDeliveryList };
  'gateway.webhookDelivery.redeliver.v1': {
    request: RedeliverWebhookRequest;
    response: WebhookDeliverySummary;
  };
  'gateway.webhookDelivery.redeliverDead.v1': {
    request: RedeliverDeadWebhooksRequest;
    response: RedeliveredWebhooks;
  };
  'gateway.webhookReceiver.get.v1': { request: WebhookReceiverRequest; response: WebhookReceiverStatus };
  'gateway.webhookReceiver.enable.v1': { request: WebhookReceiverRequest; response: WebhookReceiverStatus };
}

export interface EventMap {
  'auth.appKey.changed.v1': AppKeyChangedEvent;
  'auth.blockedEndpoint.changed.v1': Record<string, never>;
  'auth.usage.reported.v1': UsageReportedEvent;
  'cloudflow.access.revoked.v1': AccessRevokedEvent;
  'admin.relayData.changed.v1': { tenantId: string; accountId: string; referenceId?: string };
}

export type RpcSubject = keyof RpcMap;
export type EventSubject = keyof EventMap;
export type RpcRequest<S extends RpcSubject> = RpcMap[S]['request'];
export type RpcResponse<S extends RpcSubject> = RpcMap[S]['response'];

// Compile-time check that every subject in SUBJECTS has an RpcMap entry and vice versa.
type SubjectValues = A[keyof A] | D[keyof D] | G[keyof G];
type _AllMapped = SubjectValues extends RpcSubject
  ? RpcSubject extends SubjectValues
    ? true
    : never
  : never;
export const _subjectsAreMapped: _AllMapped = true;
