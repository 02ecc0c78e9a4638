import { randomBytes } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * An account id for tenants who do not choose one: 'acct_' + 12 base32 characters (60 random
 * bits). Uniqueness is the database's job; the caller draws again on the rare collision.
 */
export function newAccountId(): string {
  const bytes = randomBytes(12);
  let id = 'acct_';
  // One byte per character, 5 of its bits: unbiased, since 256 is a multiple of 32.
  for (const b of bytes) id += BASE32[b & 31];
  return id;
}

export const GENERATED_ACCOUNT_ID = /^acct_[a-z2-7]{12}$/;
