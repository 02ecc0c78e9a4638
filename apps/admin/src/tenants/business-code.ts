import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A short code a human can read out on the phone: 'CF' + 8 base32 characters (40 random bits).
 * Uniqueness is the database's job; the caller retries on the rare collision.
 */
export function newBusinessCode(): string {
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let code = '';
  for (let i = 7; i >= 0; i--) code += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return `CF${code}`;
}

export const BUSINESS_CODE_PATTERN = /^CF[A-Z2-7]{8}$/;
