import type { AppKeyInfo, AppKeySummary, KeyStatus } from '@cloudflow/contracts';
import type { AppKeyEntity } from './app-key.entity';

/** Revoked wins over expired; an operator-forced expiry counts like a past expires_at. */
export function keyStatus(key: AppKeyEntity, now = new Date()): KeyStatus {
  if (key.status === 'revoked') return 'revoked';
  if (key.expiredAt || (key.expiresAt && key.expiresAt.getTime() <= now.getTime())) return 'expired';
  return 'active';
}

export function toAppKeyInfo(key: AppKeyEntity): AppKeyInfo {
  return {
    keyId: key.id,
    prefix: key.prefix,
    developerId: key.developerId,
    kind: key.kind,
    status: keyStatus(key),
    groups: key.groups,
    usageLimitPerDay: key.usageLimitPerDay,
    ratePerSecond: key.ratePerSecond,
    expiresAt: key.expiresAt?.toISOString() ?? null,
  };
}

export function toAppKeySummary(key: AppKeyEntity): AppKeySummary {
  const today = new Date().toISOString().slice(0, 10);
  return {
    ...toAppKeyInfo(key),
    name: key.name,
    usedToday: key.usageDay === today ? key.usedToday : 0,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    createdAt: key.createdAt.toISOString(),
  };
}
