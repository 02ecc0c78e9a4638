import { AppKeyEntity } from './app-key.entity';
import { keyStatus, toAppKeySummary } from './app-key.mapper';

function key(overrides: Partial<AppKeyEntity> = {}): AppKeyEntity {
  return Object.assign(new AppKeyEntity(), {
    id: 'k',
    developerId: 'd',
    name: null,
    kind: 'sandbox',
    prefix: 'cf_sbx_abcde',
    keyHash: 'h',
    groups: ['client'],
    status: 'active',
    usageLimitPerDay: 1000,
    ratePerSecond: 10,
    usedToday: 5,
    usageDay: '2000-01-01',
    expiresAt: null,
    expiredAt: null,
    sealed: 's',
    createdAt: new Date(),
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  });
}

describe('APP key status', () => {
  const past = new Date(Date.now() - 1000);
  const future = new Date(Date.now() + 60_000);

  it('is active without expiry, or with a future one', () => {
    expect(keyStatus(key())).toBe('active');
    expect(keyStatus(key({ expiresAt: future }))).toBe('active');
  });

  it('is expired after expires_at or when the operator forced it', () => {
    expect(keyStatus(key({ expiresAt: past }))).toBe('expired');
    expect(keyStatus(key({ expiredAt: past }))).toBe('expired');
  });

  it('is revoked whatever the expiry says', () => {
    expect(keyStatus(key({ status: 'revoked', expiredAt: past }))).toBe('revoked');
  });

  it('reports usage only for today', () => {
    expect(toAppKeySummary(key()).usedToday).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    expect(toAppKeySummary(key({ usageDay: today })).usedToday).toBe(5);
  });
});
