import type { EventType } from '@cloudflow/contracts';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/**
 * One message of an async request waiting for (or done with) its webhook delivery. The body is
 * the message serialized once at enqueue: every attempt sends, and signs, exactly these bytes.
 * The deliveryId stays the same across retries, so receivers can drop duplicates.
 */
@Entity({ schema: 'gateway', name: 'webhook_deliveries' })
@Unique('webhook_deliveries_request_seq_key', ['accountId', 'requestId', 'seq'])
@Check('webhook_deliveries_status_check', `"status" IN ('pending', 'delivered', 'dead')`)
@Check(
  'webhook_deliveries_kind_check',
  `"kind" IN ('requestMessage', 'deviceConnected', 'deviceDisconnected')`,
)
@Index('webhook_deliveries_feed_idx', ['accountId', 'feedTxid', 'feedSeq'])
@Index('webhook_deliveries_tenant_request_idx', ['tenantId', 'requestId'])
@Index('webhook_deliveries_due_idx', { synchronize: false }) // partial: not compared
@Index('webhook_deliveries_account_status_idx', ['accountId', 'status', 'createdAt'])
export class WebhookDeliveryEntity {
  @PrimaryColumn('uuid', { name: 'delivery_id' }) deliveryId: string;
  @Column('varchar', { name: 'tenant_id', length: 64 }) tenantId: string;
  @Column('varchar', { name: 'account_id', length: 64 }) accountId: string;
  /** A request's id; for a presence event, `device:<referenceId>` (its messages go out in order per device). */
  @Column('varchar', { name: 'request_id', length: 110 }) requestId: string;
  /** What the event is (EVENT_TYPES): a request's message, or a device's presence. */
  @Column('varchar', { name: 'kind', length: 32, default: 'requestMessage' }) kind: EventType;
  /**
   * The inserting transaction (the feed's order, with feedSeq: client-events.repository.ts). The
   * migration's default is `pg_current_xact_id()::text::bigint`; TypeORM compares defaults with
   * their casts stripped, so this is how the schema check (schema-drift) sees it.
   */
  @Column('bigint', { name: 'feed_txid', default: () => '((pg_current_xact_id()))' })
  feedTxid: string;
  @Column('bigint', { name: 'feed_seq', generated: 'increment' }) feedSeq: string;
  @Column('integer', { name: 'seq' }) seq: number;
  @Column('text', { name: 'body' }) body: string;
  @Column('varchar', { name: 'status', length: 16, default: 'pending' }) status: DeliveryStatus;
  @Column('integer', { name: 'attempts', default: 0 }) attempts: number;
  @Column('timestamptz', { name: 'next_attempt_at', default: () => 'now()' }) nextAttemptAt: Date;
  /** A worker holds the row until then; after a crash another one takes it over. */
  @Column('timestamptz', { name: 'lease_until', nullable: true }) leaseUntil: Date | null;
  /** Which claim holds the lease: a worker whose lease was taken over cannot settle the row. */
  @Column('uuid', { name: 'lease_token', nullable: true }) leaseToken: string | null;
  @Column('varchar', { name: 'last_error', length: 500, nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) deliveredAt: Date | null;
  /** The recording's span (tracing on): each attempt is its child and sends it as `traceparent`. */
  @Column('varchar', { name: 'traceparent', length: 55, nullable: true }) traceparent: string | null;
  /** Issue 14: the latest redelivery; the row's deadline counts from it instead of createdAt. */
  @Column('timestamptz', { name: 'redelivered_at', nullable: true }) redeliveredAt: Date | null;
  /** Attempts made before the latest redelivery: the backoff starts over after them. */
  @Column('integer', { name: 'attempts_before_redelivery', default: 0 }) attemptsBeforeRedelivery: number;
  /** When it went dead; dead rows are kept WEBHOOK_DEAD_RETENTION_HOURS from then. */
  @Column('timestamptz', { name: 'dead_at', nullable: true }) deadAt: Date | null;
}

/** One finished try of a delivery: the receiver's status, or why none came. */
@Entity({ schema: 'gateway', name: 'webhook_attempts' })
export class WebhookAttemptEntity {
  @PrimaryColumn('uuid', { name: 'delivery_id' }) deliveryId: string;
  @ManyToOne(() => WebhookDeliveryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'delivery_id', foreignKeyConstraintName: 'webhook_attempts_delivery_id_fkey' })
  delivery?: WebhookDeliveryEntity;
  @PrimaryColumn('integer', { name: 'attempt' }) attempt: number;
  @Column('timestamptz', { name: 'at', default: () => 'now()' }) at: Date;
  @Column('integer', { name: 'http_status', nullable: true }) httpStatus: number | null;
  @Column('varchar', { name: 'error', length: 500, nullable: true }) error: string | null;
}
