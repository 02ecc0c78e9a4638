import { Inject, Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  isErrorCode,
  type CloudFlowMessage,
  type DevicePresence,
  type RequestView,
  type VerifiedAccount,
} from '@cloudflow/contracts';
import {
  currentTraceId,
  NatsConnectionOwner,
  LOGGER,
  MovingRetry,
  deliverWithResend,
  RequestIdsStore,
  isStorageOutage,
} from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { deviceNotFound } from '../relay/relay-errors';
import { GatewayConfig } from '../gateway.config';
import { RelayLookup } from '../relay/relay-lookup';
import { DeviceBus } from './device-bus.client';
import { RequestAdmission } from './request-admission';
import { gatewayFlowException } from './request-exception';
import { bodyHash, maskPans } from './request-body';
import type { RequestEntity } from './request.entity';
import { RequestRecorder } from './request-recorder.service';
import { RequestMetrics } from './request.metrics';
import { toRequestView } from './request-views';
import { RequestsRepository, type RowRef } from './requests.repository';

/** How long a POST waits for this gateway's own NATS reconnect before answering "messaging unavailable". */
const OWN_RECONNECT_WAIT_MS = 1_000;

export type SendOutcome =
  { status: 202; body: { requestId: string; status: 'dispatched' } } | { status: 200; body: RequestView };

/**
 * POST /client/v1.1/requests (CONTRACT.md §5). The request is written before the device is
 * asked; the unique (tenant, account, requestId) key picks one winner among concurrent
 * duplicates, the others wait for its outcome and answer from the stored record. A request
 * the device could not be asked for is kept as `rejected`: the same requestId may be sent again.
 */
@Injectable()
export class RequestDispatchService {
  constructor(
    private readonly repo: RequestsRepository,
    private readonly recorder: RequestRecorder,
    private readonly lookup: RelayLookup,
    private readonly presence: PresenceStore,
    private readonly bus: DeviceBus,
    private readonly nats: NatsConnectionOwner,
    private readonly config: GatewayConfig,
    private readonly admission: RequestAdmission,
    private readonly requestIds: RequestIdsStore,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: RequestMetrics,
  ) {}

  /** Sheds load at the door (429 + Retry-After, nothing dispatched) before any work is done. */
  send(account: VerifiedAccount, body: CloudFlowMessage, waiting = false): Promise<SendOutcome> {
    return this.admission.run(() => this.admitted(account, body, waiting));
  }

  /**
   * `waiting`: the caller holds the call for the answer (Prefer: wait), so an account without a
   * webhook URL may send too (the result is in the answer or the record).
   */
  private async admitted(
    account: VerifiedAccount,
    body: CloudFlowMessage,
    waiting: boolean,
  ): Promise<SendOutcome> {
    const { tenantId, accountId } = account;
    const target = body.target!;
    const hash = bodyHash(body);
    let checked: { timeoutS: number; owner: DevicePresence };
    try {
      checked = await this.check(tenantId, accountId, target, waiting);
    } catch (error) {
      // A requestId already used answers from its record whatever the device's state is now
      // (CONTRACT.md §7): only a request that cannot be sent looks for one, a new one costs no SELECT.
      const existing = await this.repo.find(tenantId, accountId, body.requestId);
      if (existing && existing.status !== 'rejected') return this.replay(existing, hash);
      this.metrics.asyncOutcome(body.type, 'rejected');
      throw error;
    }
    let owner: DevicePresence | undefined = checked.owner;

    // The INSERT is the idempotency check: the unique key lets one of concurrent duplicates in,
    // the others (and any repeat of a stored request) replay the stored record.
    const claimed = await this.repo.claim({
      tenantId,
      accountId,
      requestId: body.requestId,
      target,
      type: body.type,
      mode: 'async',
      status: 'dispatching',
      bodyHash: hash,
      request: maskPans(body),
      connId: owner.connId,
      expiresAt: new Date(Date.now() + checked.timeoutS * 1000),
      traceId: currentTraceId(),
    });
    if (!claimed) return this.replay((await this.repo.find(tenantId, accountId, body.requestId))!, hash);
    const ref: RowRef = { tenantId, id: claimed };
    // The id may have been used over a websocket (the hubs reserve those in the same store, before
    // their record reaches Postgres): one requestId is one payment, whichever way it was sent.
    const reserved = await this.requestIds.reserve(tenantId, accountId, body.requestId).catch(() => null);
    if (reserved === null)
      return this.reject(
        body.type,
        ref,
        ErrorCode.failed,
        'The requestId could not be checked right now; nothing was dispatched, please retry',
        target,
        false,
      );
    if (!reserved)
      return this.reject(
        body.type,
        ref,
        ErrorCode.duplicateItem,
        `Request '${body.requestId}' was already sent; a new request needs a new requestId`,
        target,
        false,
      );

    // A retry only after "nobody holds that connection", which proves nothing was delivered: the
    // device's hub may be between NATS nodes, or the device between hubs. Asked again, with the
    // owner read afresh, for as long as such a move takes (as the hubs do).
    let retry: MovingRetry | undefined;
    while (owner) {
      const frame: CloudFlowMessage = { ...body, payload: body.payload };
      // The hub must not write the frame after `deadline`; waiting past it (plus a margin for clocks
      // and the reply's way back) makes a time-out mean "delivered before the deadline, or never".
      const timeoutMs = this.config.REQUEST_DELIVERY_TIMEOUT_MS;
      const deliver = {
        kind: 'deliver' as const,
        frame,
        requester: accountId,
        mode: 'async' as const,
        // For hubs of the previous release during a rolling upgrade (they read only this name).
        record: 'async' as const,
        deadline: Date.now() + timeoutMs,
        epoch: owner.epoch,
      };
      // A lost answer is asked again (resend: never written twice) until the deadline and margin pass.
      const connId = owner.connId;
      const ack = await deliverWithResend(
        (m, ms) => this.bus.request(connId, m, ms),
        deliver,
        deliver.deadline + this.config.REQUEST_DEADLINE_MARGIN_MS,
      );
      if (ack.ok) {
        await this.repo
          .markDispatched(ref)
          .catch((err: unknown) =>
            this.logger.warn(
              { err, requestId: body.requestId },
              'dispatched, but the status could not be written yet',
            ),
          );
        return { status: 202, body: { requestId: body.requestId, status: 'dispatched' } };
      }
      if (ack.timedOut || ack.unknown) {
        // A bus failure may come before the deadline while the hub can still write the frame until then.
        const rest = deliver.deadline + this.config.REQUEST_DEADLINE_MARGIN_MS - Date.now();
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
        // The device may or may not have it: the record stays, and any answer it sends is still recorded.
        const message = `Device '${target}' did not confirm the request in time; its outcome is unknown`;
        // Storage may be down now: the answer stays "unknown" (never 417, which says nothing was
        // dispatched), and the watcher concludes the row once Postgres is back.
        await this.recorder
          .conclude(
            ref,
            gatewayFlowException(ErrorCode.connectionLost, message, body.requestId),
            'connectionLost',
            ['dispatching'],
          )
          .catch((err: unknown) =>
            this.logger.warn(
              { err, requestId: body.requestId },
              'outcome unknown, but it could not be recorded yet',
            ),
          );
        throw new CloudFlowError(
          ErrorCode.connectionLost,
          `${message}; GET /requests/${body.requestId} shows any answer it sends`,
          { dispatched: true },
        );
      }
      if (!ack.noResponders) return this.reject(body.type, ref, ack.errorCode, ack.errorMessage, target);
      retry ??= new MovingRetry();
      if (!(await retry.again()))
        return this.reject(body.type, ref, ErrorCode.connectionLost, ack.errorMessage, target);
      owner = await this.owner(tenantId, accountId, target);
      if (owner) await this.repo.setConnection(ref, owner.connId);
    }
    return this.reject(body.type, ref, ErrorCode.connectionLost, '', target);
  }

  /** What must hold before anything is stored: messaging up, a webhook URL, the device enabled and connected. */
  private async check(
    tenantId: string,
    accountId: string,
    target: string,
    waiting: boolean,
  ): Promise<{ timeoutS: number; owner: DevicePresence }> {
    // This gateway's own connection may be moving to another NATS node (lame duck): wait briefly
    // (a move takes well under a second), but a NATS outage is still answered at once, not after 5 s.
    if (!(await this.nats.connectedWithin(OWN_RECONNECT_WAIT_MS)))
      throw new CloudFlowError(
        ErrorCode.failed,
        'Messaging is unavailable right now; nothing was dispatched, please retry',
      );
    const settings = await this.lookup.account(tenantId, accountId);
    if (!settings.webhookUrl && !waiting)
      throw new CloudFlowError(
        ErrorCode.preconditionFailed,
        'The account has no webhook URL; asynchronous requests need one (or Prefer: wait)',
      );
    const device = await this.lookup.device(tenantId, accountId, target);
    if (device.tenantId !== tenantId || device.clientAccountId !== accountId || device.referenceId !== target)
      throw deviceNotFound(target);
    if (!device.enabled)
      throw new CloudFlowError(ErrorCode.preconditionFailed, `Device '${target}' is disabled`);
    const owner = await this.owner(tenantId, accountId, target);
    if (!owner) throw notConnected(target);
    return { timeoutS: settings.requestTimeoutSeconds ?? this.config.REQUEST_TIMEOUT_DEFAULT_S, owner };
  }

  async get(account: VerifiedAccount, requestId: string): Promise<RequestView> {
    const found = await this.repo.withTimeline({ ...account, requestId });
    if (!found || found.row.status === 'rejected') throw requestNotFound(requestId);
    return toRequestView(found.row, found.messages);
  }

  private async replay(row: RequestEntity, hash: string): Promise<SendOutcome> {
    if (row.bodyHash !== hash)
      throw new CloudFlowError(
        ErrorCode.duplicateItem,
        `Request '${row.requestId}' was already sent with a different body`,
      );
    const settled = row.status === 'dispatching' ? await this.settled(row) : row;
    if (settled.status === 'rejected') {
      const code = isErrorCode(settled.errorCode) ? settled.errorCode : ErrorCode.connectionLost;
      throw new CloudFlowError(
        code,
        `Request '${row.requestId}' could not be dispatched; nothing was sent, please retry`,
        code === ErrorCode.connectionLost ? { dispatched: false } : {},
      );
    }
    const found = await this.repo.withTimeline(settled);
    return { status: 200, body: toRequestView(found?.row ?? settled, found?.messages ?? []) };
  }

  /** A concurrent duplicate waits for the winner to learn whether the device took the request. */
  private async settled(row: RequestEntity): Promise<RequestEntity> {
    const deadline =
      Date.now() + this.config.REQUEST_DELIVERY_TIMEOUT_MS + this.config.REQUEST_DEADLINE_MARGIN_MS + 2000;
    let current = row;
    while (current.status === 'dispatching' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      current = (await this.repo.byId(row)) ?? current;
    }
    return current;
  }

  /** Nothing was dispatched: the row is kept as `rejected` and, unless it is another request's, the id is free again. */
  private async reject(
    type: string,
    ref: RowRef,
    code: ErrorCode,
    message: string,
    target: string,
    reserved = true,
  ): Promise<never> {
    // A requestId used before is not a request of its own (the first one is counted).
    if (code !== ErrorCode.duplicateItem) this.metrics.asyncOutcome(type, 'rejected');
    await this.repo.transition(ref, ['dispatching'], 'rejected', code);
    if (reserved) {
      const row = await this.repo.byId(ref).catch(() => undefined);
      if (row)
        await this.requestIds.release(row.tenantId, row.accountId, row.requestId).catch(() => undefined);
    }
    if (code === ErrorCode.connectionLost) throw notConnected(target);
    throw new CloudFlowError(code, message);
  }

  private async owner(tenantId: string, accountId: string, target: string) {
    try {
      return await this.presence.deviceOwner(tenantId, accountId, target);
    } catch (err) {
      if (isStorageOutage(err)) throw err;
      this.logger.warn({ err }, 'presence store unavailable');
      throw new CloudFlowError(
        ErrorCode.failed,
        'Live connection state is unavailable right now; nothing was dispatched, please retry',
      );
    }
  }
}

export function requestNotFound(requestId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.notFound, `Request '${requestId}' does not exist`);
}

function notConnected(target: string): CloudFlowError {
  return new CloudFlowError(
    ErrorCode.connectionLost,
    `Device '${target}' is not connected; nothing was dispatched`,
    { dispatched: false },
  );
}
