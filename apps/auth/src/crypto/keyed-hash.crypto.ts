import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 of a random token under the service's hash key. Tokens carry 256 bits of
 * randomness, so a fast keyed hash suffices; the key means a leaked table cannot be checked
 * against guesses without it.
 */
export function keyedHash(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

// Compared against when there is no stored hash, so a miss costs what a hit costs.
const NO_HASH = Buffer.alloc(32);

/**
 * True when `value` hashes to `storedHash`. The comparison is constant-time, and a missing row
 * (`storedHash` undefined) still pays for one hash and one comparison.
 */
export function keyedHashMatches(key: string, value: string, storedHash: string | undefined): boolean {
  const actual = createHmac('sha256', key).update(value, 'utf8').digest();
  const expected = storedHash === undefined ? undefined : Buffer.from(storedHash, 'base64url');
  const comparable = expected?.length === actual.length ? expected : NO_HASH;
  return timingSafeEqual(actual, comparable) && comparable === expected;
}
