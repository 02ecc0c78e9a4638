import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A device's Device API token, stored only as a keyed hash. The device is named by its account
 * and referenceId; model + serialNumber identify it in the bearer, so both pairs are unique.
 */
@Entity({ name: 'device_credentials' })
@Index('device_credentials_tenant_account_reference_key', ['tenantId', 'accountId', 'referenceId'], {
  unique: true,
})
@Index('device_credentials_model_serial_number_key', ['model', 'serialNumber'], { unique: true })
export class DeviceCredentialEntity {
  @PrimaryColumn('uuid', { name: 'id' }) id: string;
  @Column('text', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'account_id' }) accountId: string;
  @Column('text', { name: 'reference_id' }) referenceId: string;
  @Column('text', { name: 'model' }) model: string;
  @Column('text', { name: 'serial_number' }) serialNumber: string;
  @Column('text', { name: 'token_hash' }) tokenHash: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'rotated_at', nullable: true }) rotatedAt: Date | null;
}
