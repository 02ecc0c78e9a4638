import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  Unique,
} from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity';

import type { UserRole } from '@cloudflow/contracts';

export type { UserRole };

/** A tenant user; the portal creates the one `admin`. Password and PIN hashes live in auth. */
@Entity({ schema: 'admin', name: 'users' })
// Usernames are case sensitive (CONTRACT.md), so a plain unique constraint per tenant.
@Unique('users_tenant_id_username_key', ['tenantId', 'username'])
@Check('users_role_check', `"role" IN ('admin', 'user')`)
// A partial unique index (one admin per tenant) the migration owns; TypeORM must not touch it.
@Index('users_one_admin_per_tenant', { synchronize: false })
export class UserEntity {
  @PrimaryColumn('uuid', { name: 'id', primaryKeyConstraintName: 'users_pkey' })
  id: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId: string;

  @ManyToOne(() => TenantEntity, { nullable: false })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'users_tenant_id_fkey' })
  tenant?: TenantEntity;

  @Column('varchar', { name: 'username', length: 100 })
  username: string;

  @Column('varchar', { name: 'name', length: 200 })
  name: string;

  @Column('varchar', { name: 'email', length: 320 })
  email: string;

  @Column('varchar', { name: 'time_zone', length: 64 })
  timeZone: string;

  @Column('varchar', { name: 'role', length: 16 })
  role: UserRole;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
