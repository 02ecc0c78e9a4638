import { Inject, Injectable } from '@nestjs/common';
import { FINAL_TYPES, type CloudFlowMessage, type RequestEvent } from '@cloudflow/contracts';
import {
  currentTraceparent,
  DatabaseService,
  endSpan,
  LOGGER,
  type RequestOutcome,
  SpanKind,
  startSpanUnder,
  traceFromTraceparent,
  traceIdOf,
  tracingEnabled,
  type TraceContext,
} from '@cloudflow/platform';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { WebhookOutbox, type OutboxItem } from '../webhooks/webhook-outbox.port';
import { GatewayConfig } from '../gateway.config';
import { bodyHash, maskPans } from './request-body';
import type { StoredStatus } from './request.entity';
import { RequestFinals } from './request-finals';
import { RequestMetrics } from './request.metrics';
import { statusAfter } from './request-status';
import {
  RequestsRepository,
  type LockedRequest,
  type NewMessage,
  type RequestKey,
  type RowRef,
  type TimelineState,
} from './requests.repository';

/**
 * After this many deliveries an out-of-order event is recorded anyway (the earlier one may be
 * stuck or lost); the earlier one is still recorded when it comes, and reads put a connection's
 * messages back in index order (issue 9, hole 5). Well below the consumer's max_deliver: no
 * event is dead-lettered merely for waiting on an index.
 */
export const MAX_WAITS = 40;

/**
 * Records what devices (and hubs) said about requests: each message is appended to its
 * request's timeline in order, may settle the request, and (async) is queued for the webhook
 * in the same transaction. Every path is idempotent: a redelivered event is recorded once.
 */
@Injectable()
export class RequestRecorder {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: RequestsRepository,
    private readonly outbox: WebhookOutbox,
    private readonly config: GatewayConfig,
    private readonly finals: RequestFinals,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: RequestMetrics,
  ) {}

  /**
   * Records a batch of stream events in ONE transaction (one commit for the lot). A request
   * whose start is in the batch is written by one multi-row insert already in the state its
   * later events in the batch leave it (status, result): a payment answered at once costs one
   * row version, not an insert and an update (the update of the partial "open" index was most of
   * Postgres's share per payment). The other events' requests are locked with one statement (in
   * key order), their timelines read with one more, then one insert of every new message and
   * one update of every touched existing request. Events of one request are applied in batch
   * order. Returns, per event, whether it is done (recorded, or nothing to record: ack it) or
   * must wait for an earlier event (`false`: nak it). A failure rolls back the whole batch.
   * `deliveries` counts how often the event was handed out (1 the first time).
   */
  async applyBatch(items: ReadonlyArray<{ event: RequestEvent; deliveries: number }>): Promise<boolean[]> {
    // The recording of each traced event: a span under the one that produced it (its traceparent),
    // lasting the batch's transaction; the webhooks it queues keep it as their parent.
    const recording = tracingEnabled() ? items.map(({ event }) => recordingSpan(event)) : undefined;
    try {
      const done = await this.applyBatchTraced(items, recording);
      recording?.forEach((ctx) => endSpan(ctx));
      return done;
    } catch (error) {
      recording?.forEach((ctx) => endSpan(ctx, error instanceof Error ? error.message : String(error)));
      throw error;
    }
  }

  private async applyBatchTraced(
    items: ReadonlyArray<{ event: RequestEvent; deliveries: number }>,
    recording: Array<TraceContext | undefined> | undefined,
  ): Promise<boolean[]> {
    let finals: RequestKey[] = [];
    let decided: RequestState[] = [];
    const done = await this.db.transaction(async (tx) => {
      const done = items.map(() => true);
      const messages: Array<{ state: RequestState; message: NewMessage & { seq: number } }> = [];
      const webhooks: OutboxItem[] = [];
      const inserted = await this.startAll(tx, items, done, messages);
      const others = items.filter(({ event }) => event.kind !== 'start' && !inserted.has(requestKey(event)));
      const known = new Map<string, RequestState>();
      if (others.length) {
        const locked = await this.repo.lockMany(tx, uniqueKeys(others.map((i) => i.event)));
        const timelines = await this.repo.timelines(
          tx,
          locked.map((r) => r.id),
          others.map((i) => i.event.eventId),
        );
        for (const row of locked) {
          const timeline = timelines.get(row.id) ?? {
            lastSeq: 0,
            perConnection: new Map<string, number>(),
            seen: new Set<string>(),
          };
          known.set(requestKey(row), { row, ...timeline, changed: false, result: null });
        }
      }
      items.forEach(({ event, deliveries }, i) => {
        if (event.kind === 'start' || inserted.has(requestKey(event))) return;
        const state = known.get(requestKey(event));
        if (!state) {
          // A sync request's start may still be on its way (another gateway holds it): wait; the
          // consumer dead-letters it on its last allowed delivery. A late answer for nothing is dropped.
          if (event.kind === 'reply') return void (done[i] = false);
          this.logger.warn(
            { requestId: event.requestId, kind: event.kind, type: event.message.type },
            'no request for this device message; not recorded',
          );
          return;
        }
        const outcome = this.apply(state, event, deliveries);
        if (outcome === 'wait') return void (done[i] = false);
        if (!outcome) return;
        messages.push({ state, message: outcome });
        // Sync requests were answered on the socket; only async ones have a webhook.
        const { row } = state;
        if (row.mode === 'async')
          webhooks.push({
            tenantId: row.tenantId,
            accountId: row.accountId,
            requestId: row.requestId,
            seq: outcome.seq,
            message: outcome.message,
            traceparent: recording && currentTraceparent(recording[i]),
          });
      });

      await this.repo.appendMany(
        tx,
        messages.map(({ state, message }) => ({ ...message, requestPk: state.row.id })),
      );
      const changes = [...known.values()]
        .filter((s) => s.changed)
        .map((s) => ({ id: s.row.id, status: s.row.status, result: s.result }));
      await this.repo.updateMany(tx, changes);
      await this.outbox.enqueueMany(tx, webhooks);
      finals = messages
        .filter(({ message }) => FINAL_TYPES.has(message.message.type))
        .map((m) => m.state.row);
      decided = [...known.values()].filter((s) => s.decided);
      return done;
    });
    this.finals.announce(finals);
    // Counted once committed (a rolled-back batch comes again); only an open request's first final status counts.
    for (const s of decided) this.metrics.asyncOutcome(s.row.type, s.decided!);
    return done;
  }

  /**
   * One event applied to its request's state: the message to append (its position taken), null
   * when there is nothing to record (a duplicate, another target, the hub's connectionLost on a
   * settled request), or 'wait' for an earlier event of the same connection.
   */
  private apply(
    state: RequestState,
    event: RequestEvent,
    deliveries: number,
  ): (NewMessage & { seq: number }) | null | 'wait' {
    const { row } = state;
    if (row.target !== event.target) return null;
    if (event.kind === 'reply' && event.mode && event.mode !== row.mode) return null;
    if (state.seen.has(event.eventId)) return null;
    if (event.index != null) {
      const expected = (state.perConnection.get(event.connId) ?? 0) + 1;
      // index < expected: an earlier event that arrived after a later one was recorded without it. It
      // is not a duplicate (event ids are checked above): record it, never drop it.
      if (event.index > expected && deliveries < MAX_WAITS) return 'wait';
    }
    const message = maskPans(event.message);
    const change = statusAfter(row.status, message, event.origin ?? 'device');
    // The hub's connectionLost matters only while the request is open (the watcher may have said it already).
    if (event.origin === 'hub' && !change) return null;
    const seq = ++state.lastSeq;
    state.seen.add(event.eventId);
    state.perConnection.set(event.connId, (state.perConnection.get(event.connId) ?? 0) + 1);
    state.changed = true;
    if (change) {
      // An async request's outcome is decided by its first final status (a later answer may still move it on).
      if (row.mode === 'async' && (row.status === 'dispatching' || row.status === 'dispatched'))
        state.decided ??= change.status as RequestOutcome;
      row.status = change.status;
      if (change.result) state.result = message;
    }
    return { seq, eventId: event.eventId, connId: event.connId, connIndex: event.index, message };
  }

  /** The gateway's own verdicts (the device's hub died, the request timed out): recorded like a hub's message. */
  async conclude(
    request: RowRef,
    message: CloudFlowMessage,
    to: StoredStatus,
    onlyFrom: StoredStatus[],
  ): Promise<boolean> {
    const concluded = await this.db.transaction(async (tx) => {
      const row = await this.repo.lockById(tx, request);
      if (!row || !onlyFrom.includes(row.status)) return undefined;
      const seq = await this.repo.append(tx, row.id, {
        eventId: null,
        connId: null,
        connIndex: null,
        message,
      });
      await this.repo.settle(tx, row, to, undefined);
      if (row.mode === 'async')
        await this.outbox.enqueue(tx, {
          tenantId: row.tenantId,
          accountId: row.accountId,
          requestId: row.requestId,
          seq,
          message,
        });
      return row;
    });
    if (!concluded) return false;
    this.finals.announce([concluded]);
    if (concluded.mode === 'async') this.metrics.asyncOutcome(concluded.type, to as RequestOutcome);
    return true;
  }

  /**
   * Websocket requests the devices accepted: recorded as sync (a requestId the account already
   * used keeps its record). Each new row is written as the batch's later events of it leave it
   * (applied here to a fresh state, their messages queued in `messages`, their verdicts in
   * `done`). Returns the keys of the rows inserted; a row that existed (or a taken-over
   * `rejected` one, which may hold an older timeline) is not among them, and its events are
   * applied afresh by the caller against the locked row.
   */
  private async startAll(
    tx: EntityManager,
    items: ReadonlyArray<{ event: RequestEvent; deliveries: number }>,
    done: boolean[],
    messages: Array<{ state: RequestState; message: NewMessage & { seq: number } }>,
  ): Promise<Set<string>> {
    const drafts = new Map<string, Draft>();
    items.forEach(({ event, deliveries }, i) => {
      const key = requestKey(event);
      if (event.kind === 'start') {
        if (!drafts.has(key)) drafts.set(key, { start: event, state: freshState(event), outcomes: [] });
        return;
      }
      const draft = drafts.get(key);
      if (draft) draft.outcomes.push({ i, outcome: this.apply(draft.state, event, deliveries) });
    });
    const inserted = new Set<string>();
    if (!drafts.size) return inserted;
    const ordered = [...drafts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
    const claimed = await this.repo.claimMany(
      tx,
      ordered.map(({ start: event, state }) => ({
        tenantId: event.tenantId,
        accountId: event.accountId,
        requestId: event.requestId,
        target: event.target,
        type: event.message.type,
        mode: 'sync' as const,
        status: state.row.status,
        result: state.result,
        bodyHash: bodyHash(event.message),
        request: maskPans(event.message),
        connId: event.connId,
        expiresAt: new Date(Date.parse(event.at) + this.config.REQUEST_TIMEOUT_DEFAULT_S * 1000),
        // The websocket payment's trace (started by the POS's hub), from the delivery's span.
        traceId: traceIdOf(event.traceparent) ?? null,
      })),
    );
    for (const c of claimed) {
      if (!c.inserted) continue;
      const key = requestKey(c);
      const draft = drafts.get(key)!;
      inserted.add(key);
      draft.state.row.id = c.id;
      for (const { i, outcome } of draft.outcomes) {
        if (outcome === 'wait') done[i] = false;
        else if (outcome) messages.push({ state: draft.state, message: outcome });
      }
    }
    return inserted;
  }
}

function recordingSpan(event: RequestEvent): TraceContext | undefined {
  return startSpanUnder(traceFromTraceparent(event.traceparent), 'record event', SpanKind.CONSUMER, {
    'cloudflow.request.id': event.requestId,
    'cloudflow.event.kind': event.kind,
    'cloudflow.message.type': event.message.type,
  });
}

/** A request this batch starts, as its later events in the batch would leave a new row. */
interface Draft {
  start: RequestEvent;
  state: RequestState;
  outcomes: Array<{ i: number; outcome: ReturnType<RequestRecorder['apply']> }>;
}

function freshState(start: RequestEvent): RequestState {
  const row: LockedRequest = {
    id: '',
    tenantId: start.tenantId,
    accountId: start.accountId,
    requestId: start.requestId,
    target: start.target,
    mode: 'sync',
    type: start.message.type,
    status: 'dispatched',
  };
  return {
    row,
    lastSeq: 0,
    perConnection: new Map<string, number>(),
    seen: new Set<string>(),
    changed: false,
    result: null,
  };
}

/** A request being recorded in this batch: its row as locked (status moves on), its timeline, what changed. */
interface RequestState extends TimelineState {
  row: LockedRequest;
  changed: boolean;
  result: CloudFlowMessage | null;
  /** An async request's first final status, set in this batch (counted after the commit). */
  decided?: RequestOutcome;
}

/** The recorder's (and the consumer's lane) key: tenant, account and requestId. */
export function requestKey(k: RequestKey): string {
  return `${k.tenantId}\u0000${k.accountId}\u0000${k.requestId}`;
}

function uniqueKeys(events: RequestEvent[]): RequestKey[] {
  const byKey = new Map<string, RequestKey>();
  for (const e of events)
    byKey.set(requestKey(e), { tenantId: e.tenantId, accountId: e.accountId, requestId: e.requestId });
  return [...byKey.values()];
}
