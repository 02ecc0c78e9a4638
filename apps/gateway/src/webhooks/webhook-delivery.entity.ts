import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/**
 * One message of an async request waiting for (or done with) its webhook delivery. The body is
 * the message serialized once at enqueue: every attempt sends, and signs, exactly these bytes.
 * The deliveryId stays the same across retries, so receivers can drop duplicates.
 */
@Entity({ schema: 'gateway', name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryColumn('uuid', { name: 'delivery_id' }) deliveryId: string;
  @Column('varchar', { name: 'tenant_id', length: 64 }) tenantId: string;
  @Column('varchar', { name: 'account_id', length: 64 }) accountId: string;
  @Column('varchar', { name: 'request_id', length: 100 }) requestId: string;
  @Column('integer', { name: 'seq' }) seq: number;
  @Column('text', { name: 'body' }) body: string;
  @Column('varchar', { name: 'status', length: 16 }) status: DeliveryStatus;
  @Column('integer', { name: 'attempts' }) attempts: number;
  @Column('timestamptz', { name: 'next_attempt_at' }) nextAttemptAt: Date;
  /** A worker holds the row until then; after a crash another one takes it over. */
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil: Date | null;
  /** Which claim holds the lease: a worker whose lease was taken over cannot settle the row. */
  @Column('uuid', { name: 'lease_token', nullable: true }) leaseToken: string | null;
  @Column('varchar', { name: 'last_error', length: 500, nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) deliveredAt: Date | null;
}

/** One finished try of a delivery: the receiver's status, or why none came. */
@Entity({ schema: 'gateway', name: 'webhook_attempts' })
export class WebhookAttemptEntity {
  @PrimaryColumn('uuid', { name: 'delivery_id' }) deliveryId: string;
  @PrimaryColumn('integer', { name: 'attempt' }) attempt: number;
  @Column('timestamptz', { name: 'at' }) at: Date;
  @Column('integer', { name: 'http_status', nullable: true }) httpStatus: number | null;
  @Column('varchar', { name: 'error', length: 500, nullable: true }) error: string | null;
}
