import type { SimulationSettings } from '@cloudflow/contracts';
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
  UpdateDateColumn,
} from 'typeorm';
import { AccountEntity } from '../accounts/account.entity';

/**
 * A payment terminal registered to an account. `referenceId` names it inside the account;
 * model + serialNumber name it everywhere (the Device API bearer carries no tenant or account).
 * Its API token lives in auth.
 */
@Entity({ schema: 'admin', name: 'devices' })
@Unique('devices_account_id_reference_id_key', ['accountId', 'referenceId'])
@Unique('devices_model_serial_number_key', ['model', 'serialNumber'])
@Index('devices_tenant_id_idx', ['tenantId'])
@Index('devices_simulated_idx', ['id'], { where: '"simulated" AND "enabled"' })
@Check('devices_simulation_check', `"simulated" = ("simulation" IS NOT NULL)`)
export class DeviceEntity {
  @PrimaryColumn('uuid', { name: 'id', primaryKeyConstraintName: 'devices_pkey' })
  id: string;

  // Denormalised from the account so every query can carry the tenant key.
  @Column('uuid', { name: 'tenant_id' })
  tenantId: string;

  @Column('varchar', { name: 'account_id', length: 64 })
  accountId: string;

  // Deleting an account deletes its devices in the same statement.
  @ManyToOne(() => AccountEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'devices_account_id_fkey' })
  account?: AccountEntity;

  @Column('varchar', { name: 'reference_id', length: 100 })
  referenceId: string;

  @Column('varchar', { name: 'serial_number', length: 100 })
  serialNumber: string;

  @Column('varchar', { name: 'model', length: 100 })
  model: string;

  @Column('varchar', { name: 'name', length: 200, nullable: true })
  name: string | null;

  @Column('varchar', { name: 'location', length: 200, nullable: true })
  location: string | null;

  @Column('boolean', { name: 'enabled', default: true })
  enabled: boolean;

  /** The platform answers for it (a hub hosts it); sandbox tenants only. */
  @Column('boolean', { name: 'simulated', default: false })
  simulated: boolean;

  /** A simulated device's settings; null for a real one. */
  @Column('jsonb', { name: 'simulation', nullable: true })
  simulation: SimulationSettings | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
