import { createHmac } from 'node:crypto';
import type { WebhookTarget } from './webhook-target.cache';

export const SIGNATURE_HEADER = 'CloudFlow-Signature';
export const DELIVERY_ID_HEADER = 'CloudFlow-Delivery-Id';
export const REQUEST_ID_HEADER = 'CloudFlow-Request-Id';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (CONTRACT.md §8), Stripe's
 * scheme: the timestamp inside the MAC lets receivers refuse replays of old deliveries. With
 * several secrets (a rotation's overlap, issue 14) one `v1=` per secret, in the order given:
 * the new secret's first. A receiver accepts the header when any `v1=` matches its secret.
 */
export function signatureHeader(
  secrets: string | readonly string[],
  rawBody: string,
  unixSeconds: number,
): string {
  const t = Math.floor(unixSeconds);
  const signatures = (typeof secrets === 'string' ? [secrets] : secrets).map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest('hex')}`,
  );
  return [`t=${t}`, ...signatures].join(',');
}

/** The secrets a delivery is signed with now: the current one, and the previous one until its overlap ends. */
export function signingSecrets(target: WebhookTarget, nowMs = Date.now()): string[] {
  const previous = target.previous;
  return previous && previous.expiresAtMs > nowMs ? [target.secret, previous.secret] : [target.secret];
}
