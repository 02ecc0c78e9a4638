import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tenant user's password (and optional PIN) hashes; the user itself lives in admin. */
@Entity({ name: 'user_credentials' })
export class UserCredentialEntity {
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'password_hash' }) passwordHash: string;
  @Column('text', { name: 'pin_hash', nullable: true }) pinHash: string | null;
  /** Bumped by every password change; an access token carries the one it was issued under (`gen`). */
  @Column('integer', { name: 'generation', default: 0 }) generation: number;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
