import { createHash } from 'node:crypto';

/**
 * The request-event id of a device frame, the same every time that frame is published: a
 * device resends an unacknowledged final answer after reconnecting (to any hub), and the copy
 * must be dropped as a duplicate, by JetStream's Nats-Msg-Id window and by the gateway
 * recorder's per-event-id check after it. Uuid-shaped (version 5 layout) because the gateway
 * stores it in a uuid column. A device's frame ids are its own, so the device's identity is
 * part of the key.
 */
export function deviceEventId(
  tenantId: string,
  accountId: string,
  referenceId: string,
  frameRequestId: string,
): string {
  const h = createHash('sha256')
    .update(`device-frame\u0000${tenantId}\u0000${accountId}\u0000${referenceId}\u0000${frameRequestId}`)
    .digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
