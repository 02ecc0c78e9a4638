import type { CloudFlowMessage, RequestStatus } from '@cloudflow/contracts';
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Stored statuses: the public ones, plus `dispatching` (written, the device not yet asked) and
 * `rejected` (the device could not be asked: nothing dispatched, the requestId may be reused).
 */
export type StoredStatus = RequestStatus | 'dispatching' | 'rejected';

/** One request to a device: async (POST /requests) or sync (a websocket payment the hub recorded). */
@Entity({ schema: 'gateway', name: 'requests' })
export class RequestEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('varchar', { name: 'tenant_id', length: 64 }) tenantId: string;
  @Column('varchar', { name: 'account_id', length: 64 }) accountId: string;
  @Column('varchar', { name: 'request_id', length: 100 }) requestId: string;
  @Column('varchar', { name: 'target', length: 100 }) target: string;
  @Column('varchar', { name: 'type', length: 32 }) type: string;
  @Column('varchar', { name: 'kind', length: 8 }) kind: 'sync' | 'async';
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
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
}

/** A request's timeline: every message recorded for it, in order. */
@Entity({ schema: 'gateway', name: 'request_messages' })
export class RequestMessageEntity {
  @PrimaryColumn('bigint', { name: 'request_pk' }) requestPk: string;
  @PrimaryColumn('integer', { name: 'seq' }) seq: number;
  /** The hub's event id: a redelivered event is recorded once. */
  @Column('uuid', { name: 'event_id', nullable: true }) eventId: string | null;
  @Column('varchar', { name: 'conn_id', length: 64, nullable: true }) connId: string | null;
  @Column('integer', { name: 'conn_index', nullable: true }) connIndex: number | null;
  @Column('jsonb', { name: 'message' }) message: CloudFlowMessage;
  @Column('timestamptz', { name: 'received_at' }) receivedAt: Date;
}
