/**
 * @cloudflow/pos — CloudFlow's Client API for POS integrators: typed REST calls with safe
 * retries, websocket payments with their events, and webhook signature checks.
 */
export { accountBearer, type ClientCredentials } from './credentials';
export {
  CloudFlowApiError,
  CloudFlowRest,
  paymentEnvelope,
  type AsyncRequestBody,
  type ConnectionState,
  type DeviceFilter,
  type DeviceView,
  type ErrorBody,
  type PaymentSpec,
  type RequestRecord,
  type RestOptions,
} from './rest-client';
export {
  PosSocket,
  SocketClosedError,
  type CloudFlowFrame,
  type PosSocketOptions,
  type SyncPayment,
} from './pos-socket';
export { DEFAULT_RETRY, retryAfterMs, retryDelay, retryingFetch, type RetryPolicy } from './retry';
export {
  SIGNATURE_TOLERANCE_S,
  verifyWebhook,
  type VerifyOptions,
  type WebhookVerdict,
} from './webhook-verifier';
export type { components, paths } from './generated/client-v1-1';
