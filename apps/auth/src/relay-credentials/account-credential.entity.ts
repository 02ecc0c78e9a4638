import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A CloudFlow account's Client API token, stored only as a keyed hash. Account ids are unique
 * across tenants (the bearer carries no tenant), and compared case-sensitively.
 */
@Entity({ name: 'account_credentials' })
export class AccountCredentialEntity {
  @PrimaryColumn('text', { name: 'account_id' }) accountId: string;
  @Column('text', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'token_hash' }) tokenHash: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'rotated_at', nullable: true }) rotatedAt: Date | null;
}
