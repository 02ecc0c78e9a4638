import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, FINAL_TYPES, type CloudFlowMessage } from '@cloudflow/contracts';
import { UsageLimiter } from '@cloudflow/access';
import {
  inChildSpan,
  inSpan,
  markSpanFailed,
  MovingRetry,
  NEW_TRACE,
  RequestIdsStore,
  SpanKind,
  deliverWithResend,
} from '@cloudflow/platform';
import { HubBus, type BusAck, type BusMessage } from '../bus/hub-bus.client';
import type { ClientInflight, Connection } from '../connections/connection';
import { ConnectionRegistry } from '../connections/connection.registry';
import { HubConfig } from '../hub.config';
import { HubMetrics } from '../hub.metrics';
import { RelayLookup } from '../lookup/relay-lookup.cache';
import { DeviceOwners } from './device-owners.cache';

/**
 * Frames from POS sockets: a `payment`/`request` starts a transaction on a device of the
 * client's own account, wherever that device is connected; a `flowEvent` goes to the device
 * working on one of this client's requests. Failures come back as flowException.
 */
/** Resends come within seconds; a full set is dropped at once (a duplicate then costs one extra frame, nothing more). */
const MAX_FINALS_REMEMBERED = 10_000;

@Injectable()
export class ClientFrames {
  constructor(
    private readonly lookup: RelayLookup,
    private readonly owners: DeviceOwners,
    private readonly bus: HubBus,
    private readonly config: HubConfig,
    private readonly requestIds: RequestIdsStore,
    private readonly registry: ConnectionRegistry,
    private readonly usage: UsageLimiter,
    private readonly metrics: HubMetrics,
  ) {}

  /** Final frames written to client sockets (connection id + frame requestId), for the few seconds a resend can come. */
  private readonly finalsWritten = new Set<string>();

  async handle(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    frame.source = conn.name;
    switch (frame.type) {
      case 'payment':
      case 'request':
        // The API call of a websocket payment: a new trace (frames carry no traceparent).
        return inSpan(
          'client request',
          SpanKind.SERVER,
          (span) => {
            span?.setAttribute('cloudflow.message.type', frame.type);
            span?.setAttribute('cloudflow.request.id', frame.requestId);
            return this.start(conn, frame);
          },
          NEW_TRACE,
        );
      case 'flowEvent':
      // A sync transaction's cancel goes to the terminal; its final answer (cancelled or not) is the answer.
      case 'cancel':
        return this.forward(conn, frame);
      default:
        conn.sendException(
          ErrorCode.invalidData,
          `A client may send payment, request, flowEvent or cancel, not ${frame.type}`,
          frame.requestId,
        );
    }
  }

  /** Replies routed to this client socket by the device's hub. */
  async onBus(conn: Connection, msg: BusMessage): Promise<BusAck> {
    if (msg.kind === 'ping') return { ok: true };
    if (msg.kind !== 'reply')
      return { ok: false, errorCode: ErrorCode.invalidData, errorMessage: `unexpected ${msg.kind}` };
    const { frame } = msg;
    if (FINAL_TYPES.has(frame.type)) {
      // The device's hub sends a final again when its first try was not confirmed: written once.
      const key = `${conn.id}\u0000${frame.requestId}`;
      if (this.finalsWritten.has(key)) return { ok: true };
      if (this.finalsWritten.size >= MAX_FINALS_REMEMBERED) this.finalsWritten.clear();
      this.finalsWritten.add(key);
      const settled = frame.originatingRequestId ? conn.settleClient(frame.originatingRequestId) : undefined;
      if (settled) this.metrics.syncFinal(settled.type, frame);
    }
    await inChildSpan('socket write', SpanKind.PRODUCER, (span) => {
      span?.setAttribute('cloudflow.message.type', frame.type);
      return conn.send(frame).catch(() => markSpanFailed(span, 'socket closed'));
    });
    return { ok: true };
  }

  private async start(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    const { tenantId, accountId } = conn.identity;
    const target = frame.target!;
    const requestId = frame.requestId;
    if (conn.clientInflight.has(requestId)) {
      return conn.sendException(
        ErrorCode.duplicateItem,
        `Request '${requestId}' is already in flight`,
        requestId,
      );
    }
    if (this.registry.draining) {
      this.metrics.syncOutcome(frame.type, 'rejected');
      return conn.sendException(
        ErrorCode.connectionLost,
        'This hub is shutting down; nothing was sent, reconnect and retry',
        requestId,
        false,
      );
    }
    let timeoutS: number;
    try {
      // Only devices of the client's own account exist for it: anything else is notFound.
      const [device, account] = await Promise.all([
        this.lookup.device(tenantId, accountId, target),
        this.lookup.account(tenantId, accountId).catch(() => undefined),
      ]);
      if (!device.enabled)
        throw new CloudFlowError(ErrorCode.preconditionFailed, `Device '${target}' is disabled`);
      timeoutS = account?.requestTimeoutSeconds ?? this.config.REQUEST_TIMEOUT_DEFAULT_S;
    } catch (error) {
      const e =
        error instanceof CloudFlowError
          ? error
          : new CloudFlowError(ErrorCode.failed, 'Device lookup failed; please retry');
      const message = e.code === ErrorCode.notFound ? `Device '${target}' does not exist` : e.message;
      this.metrics.syncOutcome(frame.type, 'rejected');
      return conn.sendException(e.code, message, requestId);
    }
    // A requestId is used once per account for the whole retention (CONTRACT.md §7), on any hub,
    // across restarts: one atomic create in the cluster's store, given back only when nothing
    // was dispatched, so the POS may retry the same id then.
    try {
      if (!(await this.requestIds.reserve(tenantId, accountId, requestId))) {
        return conn.sendException(
          ErrorCode.duplicateItem,
          `Request '${requestId}' was already sent; a new request needs a new requestId`,
          requestId,
        );
      }
    } catch {
      this.metrics.syncOutcome(frame.type, 'rejected');
      return conn.sendException(
        ErrorCode.storageFailed,
        'The requestId could not be recorded; nothing was sent, please retry',
        requestId,
      );
    }
    const release = () => void this.requestIds.release(tenantId, accountId, requestId).catch(() => undefined);
    // The first owner may be stale (cached for a second, or the device just reconnected elsewhere),
    // or the device's hub may be between NATS nodes. A retry happens only on "nobody holds that
    // connection", which proves the try before delivered nothing; it always reads the presence
    // store afresh, and goes on for as long as a connection move takes (MovingRetry).
    let retry: MovingRetry | undefined;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && (!(await (retry ??= new MovingRetry()).again()) || conn.closed)) break;
      const owner = await this.owners.owner(tenantId, accountId, target, attempt > 0);
      if (!owner) break;
      const entry: ClientInflight = {
        deviceConnId: owner.connId,
        target,
        type: frame.type,
        startedAt: Date.now(),
      };
      conn.clientInflight.set(requestId, entry);
      // The device's hub writes it only before `deadline`; this hub waits a margin longer, so a
      // timeout here means "written before the deadline, or never" and not "maybe later".
      const deadline = Date.now() + this.config.DELIVERY_TIMEOUT_MS;
      // A lost answer is asked again (resend: never written twice) until the deadline and margin pass.
      const deliver = {
        kind: 'deliver' as const,
        frame,
        replyConnId: conn.id,
        requester: accountId,
        deadline,
        epoch: owner.epoch,
      };
      const ack = await deliverWithResend(
        (m, ms) => this.bus.request(owner.connId, m, ms),
        deliver,
        deadline + this.config.DELIVERY_MARGIN_MS,
      );
      // Settled meanwhile (the in-flight watch saw the device's hub die, or the socket closed): said already.
      if (conn.clientInflight.get(requestId) !== entry) return;
      if (ack.ok) {
        // The device has it: one sync payment billed to the token's APP key (a resend is the same payment).
        if (frame.type === 'payment' && conn.identity.appKeyId)
          this.usage.countPayment(conn.identity.appKeyId, 'sync');
        return this.armTimeout(conn, requestId, entry, timeoutS);
      }
      conn.settleClient(requestId);
      if (ack.timedOut) {
        // The device may or may not have it; any answer it sends is still routed here and recorded.
        this.metrics.syncOutcome(frame.type, 'connectionLost');
        return conn.sendException(
          ErrorCode.connectionLost,
          `Device '${target}' did not confirm the request in time; its outcome is unknown`,
          requestId,
          true,
        );
      }
      if (!ack.noResponders) {
        // Refused before the socket write (busy, past its deadline, ...): nothing was dispatched.
        // A duplicate on the device means the id is in use there: it stays taken.
        if (ack.errorCode !== ErrorCode.duplicateItem) release();
        // A duplicate is not a request of its own (the first one with that id is counted).
        if (ack.errorCode !== ErrorCode.duplicateItem) this.metrics.syncOutcome(frame.type, 'rejected');
        return conn.sendException(
          ack.errorCode,
          ack.errorMessage,
          requestId,
          ack.errorCode === ErrorCode.connectionLost ? false : undefined,
        );
      }
    }
    release();
    this.metrics.syncOutcome(frame.type, 'rejected');
    conn.sendException(
      ErrorCode.connectionLost,
      `Device '${target}' is not connected; nothing was sent`,
      requestId,
      false,
    );
  }

  /**
   * A websocket request never waits forever (issue 9, hole 6): after the account's request
   * timeout the POS gets a final connectionLost, outcome unknown. A later answer still reaches
   * the record (the device's hub publishes it) and, while that hub still routes it, this socket.
   */
  private armTimeout(conn: Connection, requestId: string, entry: ClientInflight, timeoutS: number): void {
    if (conn.closed) return void conn.settleClient(requestId);
    entry.timer = setTimeout(
      () => {
        if (conn.clientInflight.get(requestId) !== entry) return;
        conn.settleClient(requestId);
        this.metrics.syncOutcome(entry.type, 'connectionLost');
        conn.sendException(
          ErrorCode.connectionLost,
          `No final answer from device '${entry.target}' within ${timeoutS} s; the outcome is unknown`,
          requestId,
          true,
        );
      },
      Math.max(0, entry.startedAt + timeoutS * 1000 - Date.now()),
    );
    entry.timer.unref();
  }

  private async forward(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    const entry = frame.originatingRequestId
      ? conn.clientInflight.get(frame.originatingRequestId)
      : undefined;
    if (!entry) {
      return conn.sendException(
        ErrorCode.notFound,
        `No request '${frame.originatingRequestId ?? ''}' of this client is in flight`,
        frame.requestId,
      );
    }
    const deadline = Date.now() + this.config.DELIVERY_TIMEOUT_MS;
    const ack = await this.bus.request(
      entry.deviceConnId,
      { kind: 'forward', frame, deadline },
      this.config.DELIVERY_TIMEOUT_MS + this.config.DELIVERY_MARGIN_MS,
    );
    if (!ack.ok) conn.sendException(ack.errorCode, ack.errorMessage, frame.requestId);
  }
}
