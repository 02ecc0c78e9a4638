import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'CloudFlow-Signature';
export const DELIVERY_ID_HEADER = 'CloudFlow-Delivery-Id';
export const REQUEST_ID_HEADER = 'CloudFlow-Request-Id';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (CONTRACT.md §8), Stripe's
 * scheme: the timestamp inside the MAC lets receivers refuse replays of old deliveries.
 */
export function signatureHeader(secret: string, rawBody: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}
