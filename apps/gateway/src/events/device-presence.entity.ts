import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What the gateways last announced of a device (issue 14): its newest socket's epoch, whether that
 * socket is open, and how many presence events the device has had (the outbox's seq for them).
 * Every change is judged against this row under a per-device lock, so N gateways, changes that
 * arrive twice or out of order, and the sweep of dead hubs make one event per transition.
 */
@Entity({ schema: 'gateway', name: 'device_presence' })
@Index('device_presence_connected_hub_idx', { synchronize: false }) // partial: not compared
export class DevicePresenceEntity {
  @PrimaryColumn('varchar', { name: 'tenant_id', length: 64 }) tenantId: string;
  @PrimaryColumn('varchar', { name: 'account_id', length: 64 }) accountId: string;
  @PrimaryColumn('varchar', { name: 'reference_id', length: 100 }) referenceId: string;
  @Column('bigint', { name: 'epoch' }) epoch: string;
  @Column('boolean', { name: 'connected' }) connected: boolean;
  @Column('varchar', { name: 'hub_id', length: 200 }) hubId: string;
  @Column('integer', { name: 'events' }) events: number;
  @Column('timestamptz', { name: 'changed_at' }) changedAt: Date;
}
