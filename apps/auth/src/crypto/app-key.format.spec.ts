import { appKeyPrefix, generateAppKey, hasAppKeyShape } from './app-key.format';

describe('APP key format', () => {
  it('marks the kind and carries 32 random bytes in base64url', () => {
    const sandbox = generateAppKey('sandbox');
    const live = generateAppKey('production');
    expect(sandbox).toMatch(/^cf_sbx_[A-Za-z0-9_-]{43}$/);
    expect(live).toMatch(/^cf_live_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(sandbox.slice('cf_sbx_'.length), 'base64url')).toHaveLength(32);
    expect(generateAppKey('sandbox')).not.toBe(sandbox);
  });

  it('keeps the first 12 characters as the display prefix', () => {
    const key = generateAppKey('sandbox');
    expect(appKeyPrefix(key)).toBe(key.slice(0, 12));
    expect(appKeyPrefix(key)).toHaveLength(12);
    expect(appKeyPrefix(key).startsWith('cf_sbx_')).toBe(true);
  });

  it('recognises only well-formed keys', () => {
    expect(hasAppKeyShape(generateAppKey('production'))).toBe(true);
    expect(hasAppKeyShape(`${generateAppKey('sandbox')}x`)).toBe(false);
    expect(hasAppKeyShape('fcb6bd81970001eefda1cefd728d2b224d149b8b2ed542719eff')).toBe(false);
    expect(hasAppKeyShape(`cf_test_${'a'.repeat(43)}`)).toBe(false);
  });
});
