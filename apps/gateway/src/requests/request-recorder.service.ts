import { Inject, Injectable } from '@nestjs/common';
import type { CloudFlowMessage, RequestEvent } from '@cloudflow/contracts';
import { DatabaseService, LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { WebhookOutbox } from '../webhooks/webhook-outbox.port';
import { GatewayConfig } from '../gateway.config';
import { bodyHash, maskPans } from './request-body';
import type { RequestEntity, StoredStatus } from './request.entity';
import { statusAfter } from './request-status';
import { RequestsRepository, type NewMessage } from './requests.repository';

/** The event cannot be recorded yet (its request or an earlier event is not there): try again shortly. */
export class NotYet extends Error {}

/** After this many deliveries an out-of-order event is recorded anyway (an earlier one was lost). */
const MAX_WAITS = 40;

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
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Applies one stream event; `deliveries` counts how often it was handed out (1 the first time). */
  async apply(event: RequestEvent, deliveries: number): Promise<void> {
    if (event.kind === 'start') return this.start(event);
    await this.db.transaction(async (tx) => {
      const row = await this.repo.lock(tx, event.tenantId, event.accountId, event.requestId);
      if (!row) {
        // A sync request's start may still be on its way (another gateway holds it); a late answer for nothing is dropped.
        if (event.kind === 'reply' && deliveries < MAX_WAITS) throw new NotYet(`request ${event.requestId} not recorded yet`);
        this.logger.warn({ requestId: event.requestId, kind: event.kind, type: event.message.type }, 'no request for this device message; not recorded');
        return;
      }
      if (row.target !== event.target) return;
      if (event.kind === 'reply' && event.mode && event.mode !== row.kind) return;
      const state = await this.repo.eventState(tx, row.id, event.eventId, event.connId);
      if (state.recorded) return;
      if (event.index != null) {
        const expected = state.fromConnection + 1;
        if (event.index < expected) return;
        if (event.index > expected && deliveries < MAX_WAITS) throw new NotYet(`event ${event.index} of ${event.requestId} before ${expected}`);
      }
      await this.record(tx, row, { eventId: event.eventId, connId: event.connId, connIndex: event.index, message: event.message }, event.origin ?? 'device');
    });
  }

  /** The gateway's own verdicts (the device's hub died, the request timed out): recorded like a hub's message. */
  async conclude(requestPk: string, message: CloudFlowMessage, to: StoredStatus, onlyFrom: StoredStatus[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await this.repo.lockById(tx, requestPk);
      if (!row || !onlyFrom.includes(row.status)) return false;
      const seq = await this.repo.append(tx, row.id, { eventId: null, connId: null, connIndex: null, message });
      await this.repo.settle(tx, row.id, to, undefined);
      if (row.kind === 'async') await this.outbox.enqueue(tx, { tenantId: row.tenantId, accountId: row.accountId, requestId: row.requestId, seq, message });
      return true;
    });
  }

  private async record(tx: EntityManager, row: RequestEntity, m: NewMessage, origin: 'device' | 'hub'): Promise<void> {
    const message = maskPans(m.message);
    const change = statusAfter(row.status, message, origin);
    // The hub's connectionLost matters only while the request is open (the watcher may have said it already).
    if (origin === 'hub' && !change) return;
    const seq = await this.repo.append(tx, row.id, { ...m, message });
    if (change) await this.repo.settle(tx, row.id, change.status, change.result ? message : undefined);
    else await this.repo.touch(tx, row.id);
    // Sync requests were answered on the socket; only async ones have a webhook.
    if (row.kind === 'async') await this.outbox.enqueue(tx, { tenantId: row.tenantId, accountId: row.accountId, requestId: row.requestId, seq, message });
  }

  /** A websocket request the device accepted: recorded as sync (a requestId the account already used keeps its record). */
  private async start(event: RequestEvent): Promise<void> {
    const frame = event.message;
    await this.repo.claim({
      tenantId: event.tenantId,
      accountId: event.accountId,
      requestId: event.requestId,
      target: event.target,
      type: frame.type,
      kind: 'sync',
      status: 'dispatched',
      bodyHash: bodyHash(frame),
      request: maskPans(frame),
      connId: event.connId,
      expiresAt: new Date(Date.parse(event.at) + this.config.REQUEST_TIMEOUT_DEFAULT_S * 1000),
    });
  }
}
