import { keyedHash, keyedHashMatches } from './keyed-hash.crypto';

describe('keyedHash', () => {
  const key = 'k'.repeat(32);

  it('is deterministic for the same key and value', () => {
    expect(keyedHash(key, 'cf_sbx_abc')).toBe(keyedHash(key, 'cf_sbx_abc'));
  });

  it('depends on the key', () => {
    expect(keyedHash(key, 'cf_sbx_abc')).not.toBe(keyedHash('x'.repeat(32), 'cf_sbx_abc'));
  });

  it('depends on the value and does not contain it', () => {
    const h = keyedHash(key, 'cf_sbx_abc');
    expect(h).not.toBe(keyedHash(key, 'cf_sbx_abd'));
    expect(h).not.toContain('abc');
    // HMAC-SHA256 in base64url: 32 bytes → 43 characters.
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('keyedHashMatches', () => {
  const key = 'k'.repeat(32);
  const stored = keyedHash(key, 'token-1');

  it('accepts only the value that produced the stored hash', () => {
    expect(keyedHashMatches(key, 'token-1', stored)).toBe(true);
    expect(keyedHashMatches(key, 'token-2', stored)).toBe(false);
    expect(keyedHashMatches(key, 'TOKEN-1', stored)).toBe(false);
    expect(keyedHashMatches('x'.repeat(32), 'token-1', stored)).toBe(false);
  });

  it('refuses when there is no stored hash or it is malformed', () => {
    expect(keyedHashMatches(key, 'token-1', undefined)).toBe(false);
    expect(keyedHashMatches(key, 'token-1', '')).toBe(false);
    expect(keyedHashMatches(key, 'token-1', 'short')).toBe(false);
    // An all-zero stored hash must not match through the stand-in used for misses.
    expect(keyedHashMatches(key, 'token-1', Buffer.alloc(32).toString('base64url'))).toBe(false);
  });
});
