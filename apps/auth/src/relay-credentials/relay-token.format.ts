import { randomBytes } from 'node:crypto';

/** Marks a webhook signing secret, so one pasted in the wrong place is recognisable. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** An account or device API token: 32 random bytes in base64url (43 characters). */
export function generateApiToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A webhook signing secret: the marker and 32 random bytes in base64url. */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}
