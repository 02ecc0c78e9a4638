import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A logged-out portal session: refused until `expires_at`, when the token would have died anyway. */
@Entity({ name: 'revoked_tokens' })
@Index('revoked_tokens_expires_at_idx', ['expiresAt'])
export class RevokedTokenEntity {
  @PrimaryColumn('uuid', { name: 'jti' }) jti: string;
  @Column('text', { name: 'subject' }) subject: string;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
}
