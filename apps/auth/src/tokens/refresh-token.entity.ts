import type { UserRole } from '@cloudflow/contracts';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One refresh token of a rotation family. A token is used once; presenting a used token again
 * means it leaked, and the whole family is revoked.
 */
@Entity({ name: 'refresh_tokens' })
@Check('refresh_tokens_role_check', `"role" IN ('admin', 'user')`)
@Index('refresh_tokens_token_hash_key', ['tokenHash'], { unique: true })
@Index('refresh_tokens_family_id_idx', ['familyId'])
@Index('refresh_tokens_user_id_idx', ['userId'])
export class RefreshTokenEntity {
  @PrimaryColumn('uuid', { name: 'id' }) id: string;
  @Column('uuid', { name: 'family_id' }) familyId: string;
  @Column('uuid', { name: 'user_id' }) userId: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'token_hash' }) tokenHash: string;
  @Column('text', { name: 'scope' }) scope: string;
  /** The access tokens' role claim; null on rows older than the column (read as `user`). */
  @Column('text', { name: 'role', nullable: true }) role: UserRole | null;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
  @Column('timestamptz', { name: 'used_at', nullable: true }) usedAt: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
}
