import { keyedHash } from './keyed-hash.crypto';

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
