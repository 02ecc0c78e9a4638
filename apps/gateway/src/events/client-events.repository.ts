import { Injectable } from '@nestjs/common';
import type { EventType } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';

/** One event of the feed: the delivery id and body its webhook carries. */
export interface FeedEvent {
  id: string;
  type: EventType;
  /** Request messages: the request, and the message's place in its timeline. */
  requestId?: string;
  seq?: number;
  createdAt: string;
  body: unknown;
}

/** A position in the feed: after the event of transaction `txid`, row `seq`. */
export interface FeedCursor {
  txid: bigint;
  seq: bigint;
}

interface Row {
  delivery_id: string;
  kind: EventType;
  request_id: string;
  seq: number;
  body: string;
  created_at: Date;
  feed_txid: string;
  feed_seq: string;
}

/**
 * The account's events feed (GET /client/v1.1/events, issue 14), read from the webhook outbox
 * itself, so the feed and the webhooks carry the same events with the same ids and bodies. The
 * order is (inserting transaction, row): a read goes only as far as the oldest transaction still
 * running in the database (pg_snapshot_xmin), so nothing can commit later at a place a reader's
 * cursor has passed. The price: an event shows once every transaction begun before its own ended.
 */
@Injectable()
export class ClientEventsRepository {
  constructor(
    private readonly db: DatabaseService,
    private readonly config: GatewayConfig,
  ) {}

  async page(
    tenantId: string,
    accountId: string,
    after: FeedCursor | undefined,
    limit: number,
  ): Promise<{ events: FeedEvent[]; next: FeedCursor | undefined }> {
    const rows: Row[] = await this.db.manager.query(
      `SELECT "delivery_id", "kind", "request_id", "seq", "body", "created_at", "feed_txid", "feed_seq"
         FROM "gateway"."webhook_deliveries"
        WHERE "tenant_id" = $1 AND "account_id" = $2
          AND ("feed_txid", "feed_seq") > ($3::bigint, $4::bigint)
          AND "feed_txid" < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
          AND "created_at" > now() - ($5::float8 * interval '1 hour')
        ORDER BY "feed_txid", "feed_seq"
        LIMIT $6`,
      [
        tenantId,
        accountId,
        String(after?.txid ?? -1n),
        String(after?.seq ?? -1n),
        this.config.EVENTS_RETENTION_HOURS,
        limit,
      ],
    );
    const events = rows.map((r): FeedEvent => ({
      id: r.delivery_id,
      type: r.kind,
      ...(r.kind === 'requestMessage' ? { requestId: r.request_id, seq: r.seq } : {}),
      createdAt: r.created_at.toISOString(),
      body: JSON.parse(r.body) as unknown,
    }));
    const last = rows.at(-1);
    return { events, next: last ? { txid: BigInt(last.feed_txid), seq: BigInt(last.feed_seq) } : after };
  }
}

/** The cursor as the API shows it: opaque to clients, `<txid>.<seq>` in decimal. */
export function formatCursor(cursor: FeedCursor | undefined): string | null {
  return cursor ? `${cursor.txid}.${cursor.seq}` : null;
}

export const CURSOR_PATTERN = /^\d{1,19}\.\d{1,19}$/;

export function parseCursor(value: string | undefined): FeedCursor | undefined {
  if (value === undefined) return undefined;
  const [txid, seq] = value.split('.');
  return { txid: BigInt(txid), seq: BigInt(seq) };
}
