import type { CloudFlowMessage, RequestMode, RequestStatus } from '@cloudflow/contracts';
import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';

/**
 * Stored statuses: the public ones, plus `dispatching` (written, the device not yet asked) and
 * `rejected` (the device could not be asked: nothing dispatched, the requestId may be reused).
 */
export type StoredStatus = RequestStatus | 'dispatching' | 'rejected';

/** One request to a device: async (POST /requests) or sync (a websocket payment the hub recorded). */
// The decorators repeat the committed migrations' constraints so that the drift check
// (database.int.spec.ts) sees an entity changed without a migration. Descending and partial
// indexes are not compared (synchronize: false): TypeORM cannot describe them exactly.
@Entity({ schema: 'gateway', name: 'requests' })
@Unique('requests_tenant_account_request_key', ['tenantId', 'accountId', 'requestId'])
@Check('requests_kind_check', `"kind" IN ('sync', 'async')`)
@Check(
  'requests_status_check',
  `"status" IN ('dispatching', 'rejected', 'dispatched', 'completed', 'failed', 'cancelled', 'connectionLost', 'expired')`,
)
@Index('requests_created_idx', ['createdAt'])
@Index('requests_tenant_created_idx', { synchronize: false })
@Index('requests_open_idx', { synchronize: false })
export class RequestEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('varchar', { name: 'tenant_id', length: 64 }) tenantId: string;
  @Column('varchar', { name: 'account_id', length: 64 }) accountId: string;
  @Column('varchar', { name: 'request_id', length: 100 }) requestId: string;
  @Column('varchar', { name: 'target', length: 100 }) target: string;
  @Column('varchar', { name: 'type', length: 32 }) type: string;
  /**
   * Sync (websocket) or async (REST). The column keeps its first name, `kind`: renaming it would
   * break the previous release's replicas while a rolling upgrade runs both.
   */
  @Column('varchar', { name: 'kind', length: 8 }) mode: RequestMode;
  @Column('varchar', { name: 'status', length: 16 }) status: StoredStatus;
  /** Why a `rejected` request was not dispatched (what a concurrent duplicate answers too). */
  @Column('varchar', { name: 'error_code', length: 32, nullable: true }) errorCode: string | null;
  /** sha256 of the canonical body as sent: a replay must match it exactly. */
  @Column('char', { name: 'body_hash', length: 64 }) bodyHash: string;
  /** The request as sent, card numbers masked. */
  @Column('jsonb', { name: 'request' }) request: CloudFlowMessage;
  @Column('jsonb', { name: 'result', nullable: true }) result: CloudFlowMessage | null;
  /** The device connection it was written to (liveness checks). */
  @Column('varchar', { name: 'conn_id', length: 64, nullable: true }) connId: string | null;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
  /** The trace it was made in (tracing on): the POS's traceparent's, or the one the API call started. */
  @Column('varchar', { name: 'trace_id', length: 32, nullable: true }) traceId: string | null;
}

/** A request's timeline: every message recorded for it, in order. */
@Entity({ schema: 'gateway', name: 'request_messages' })
@Unique('request_messages_event_id_key', ['eventId'])
export class RequestMessageEntity {
  @PrimaryColumn('bigint', { name: 'request_pk' }) requestPk: string;
  @ManyToOne(() => RequestEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'request_pk', foreignKeyConstraintName: 'request_messages_request_pk_fkey' })
  requestRow?: RequestEntity;
  @PrimaryColumn('integer', { name: 'seq' }) seq: number;
  /** The hub's event id: a redelivered event is recorded once. */
  @Column('uuid', { name: 'event_id', nullable: true }) eventId: string | null;
  @Column('varchar', { name: 'conn_id', length: 64, nullable: true }) connId: string | null;
  @Column('integer', { name: 'conn_index', nullable: true }) connIndex: number | null;
  @Column('jsonb', { name: 'message' }) message: CloudFlowMessage;
  @Column('timestamptz', { name: 'received_at', default: () => 'now()' }) receivedAt: Date;
}
