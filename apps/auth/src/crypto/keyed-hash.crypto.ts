import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 of a random token under the service's hash key. Tokens carry 256 bits of
 * randomness, so a fast keyed hash suffices; the key means a leaked table cannot be checked
 * against guesses without it.
 */
export function keyedHash(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}
