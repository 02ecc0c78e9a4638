/**
 * Live connection state, kept in NATS JetStream key-value buckets by the hubs that hold the
 * sockets, read by gateways and other hubs. Keys are built only here.
 */
export const PRESENCE = {
  /** device key → DevicePresence; deleted when the socket closes. */
  devicesBucket: 'cf_device_presence',
  /** device key → { lastSeen } written at disconnect. */
  lastSeenBucket: 'cf_device_last_seen',
  /** `<tenant>.<account>` → { counts: { hubId: sockets } }, one entry per account, for limits. */
  slotsBucket: 'cf_account_slots',
  /** hubId → HubHeartbeat, refreshed every few seconds; entries age out when a hub dies. */
  hubsBucket: 'cf_hubs',
  /**
   * Reserved request ids (key: hash of tenant, account and requestId), file storage, aged out
   * after the request retention: a reused websocket requestId is refused for that long, on any
   * hub, across restarts (CONTRACT.md §7).
   */
  requestIdsBucket: 'cf_request_ids',
  /** A hub whose heartbeat is older than this is dead, and its sockets and slots with it. */
  hubDeadAfterMs: 15_000,
  heartbeatEveryMs: 5_000,
} as const;

/** KV keys allow only [-/_=.a-zA-Z0-9]; tenant-chosen ids are encoded. */
export function kvToken(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function deviceKey(tenantId: string, accountId: string, referenceId: string): string {
  return `${kvToken(tenantId)}.${kvToken(accountId)}.${kvToken(referenceId)}`;
}

export function accountSlotPrefix(tenantId: string, accountId: string): string {
  return `${kvToken(tenantId)}.${kvToken(accountId)}`;
}

export interface DevicePresence {
  hubId: string;
  connId: string;
  /** Strictly increasing per device: a newer connection fences the older (ARCHITECTURE.md). */
  epoch: number;
  connectedSince: string;
}

export interface HubHeartbeat {
  hubId: string;
  at: number;
}

/** The NATS subject only the hub holding connection `connId` listens on. */
export function connectionSubject(connId: string): string {
  return `hub.connection.${connId}.deliver.v1`;
}
