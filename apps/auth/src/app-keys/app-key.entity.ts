import type { ApiGroup, KeyKind } from '@cloudflow/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An APP key: only its keyed hash, a display prefix, and the clear key sealed to its developer. */
@Entity({ name: 'app_keys' })
@Index('app_keys_key_hash_key', ['keyHash'], { unique: true })
@Index('app_keys_developer_id_idx', ['developerId'])
export class AppKeyEntity {
  @PrimaryColumn('uuid', { name: 'id' }) id: string;
  @Column('uuid', { name: 'developer_id' }) developerId: string;
  @Column('text', { name: 'name', nullable: true }) name: string | null;
  @Column('text', { name: 'kind' }) kind: KeyKind;
  @Column('text', { name: 'prefix' }) prefix: string;
  @Column('text', { name: 'key_hash' }) keyHash: string;
  @Column('text', { name: 'groups', array: true }) groups: ApiGroup[];
  /** Stored state; "expired" is derived from expires_at / expired_at when reported. */
  @Column('text', { name: 'status' }) status: 'active' | 'revoked';
  @Column('integer', { name: 'usage_limit_per_day' }) usageLimitPerDay: number;
  @Column('integer', { name: 'rate_per_second' }) ratePerSecond: number;
  /** Usage counter for `usage_day` (UTC); counting itself arrives with usage metering. */
  @Column('integer', { name: 'used_today', default: 0 }) usedToday: number;
  @Column('date', { name: 'usage_day', nullable: true }) usageDay: string | null;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  /** Set when the operator forces expiry, independent of expires_at. */
  @Column('timestamptz', { name: 'expired_at', nullable: true }) expiredAt: Date | null;
  /** The clear key sealed to the developer's box public key (see developer-vault.crypto.ts). */
  @Column('text', { name: 'sealed' }) sealed: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
}
