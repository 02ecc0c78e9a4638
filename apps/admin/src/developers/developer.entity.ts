import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { KeyKind } from '@cloudflow/contracts';

/** A developer who signed up on the portal. Secrets (the portal password) live in auth. */
@Entity({ schema: 'admin', name: 'developers' })
@Check('developers_kind_check', `"kind" IN ('sandbox', 'production')`)
// Case-insensitive uniqueness is an expression index the migration owns; TypeORM must not touch it.
@Index('developers_email_lower_key', { synchronize: false })
export class DeveloperEntity {
  @PrimaryColumn('uuid', { name: 'id', primaryKeyConstraintName: 'developers_pkey' })
  id: string;

  @Column('varchar', { name: 'name', length: 200 })
  name: string;

  @Column('varchar', { name: 'email', length: 320 })
  email: string;

  @Column('varchar', { name: 'kind', length: 16 })
  kind: KeyKind;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
