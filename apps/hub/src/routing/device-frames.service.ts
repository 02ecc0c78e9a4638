import { Injectable } from '@nestjs/common';
import { CLOSE_CODES, ErrorCode, FINAL_TYPES, type CloudFlowMessage } from '@cloudflow/contracts';
import {
  activeTraceContext,
  inChildSpan,
  inSpanUnder,
  markSpanFailed,
  MovingRetry,
  SpanKind,
  withTraceContext,
} from '@cloudflow/platform';
import { HubBus, type BusAck, type BusMessage } from '../bus/hub-bus.client';
import { RequestEventsPublisher } from '../bus/request-events.publisher';
import { hubException, type Connection, type DeviceInflight } from '../connections/connection';
import { ConnectionRegistry } from '../connections/connection.registry';
import { HubConfig } from '../hub.config';
import { HubMetrics } from '../hub.metrics';
import { RelayLookup } from '../lookup/relay-lookup.cache';
import { deviceEventId } from './event-id';

/** One try of a final reply: the POS's hub answers at once; a lost one is sent again well within the POS's wait. */
const FINAL_REPLY_TRY_MS = 1000;

/**
 * The device side of a transaction: deliveries from any hub (or, for async requests, from a
 * gateway) are written to this hub's device socket, one at a time; everything the device
 * answers goes back to the requesting socket, and to the request stream the gateways record;
 * a final answer is acked to the device once the stream holds it.
 */
@Injectable()
export class DeviceFrames {
  constructor(
    private readonly bus: HubBus,
    private readonly events: RequestEventsPublisher,
    private readonly lookup: RelayLookup,
    private readonly registry: ConnectionRegistry,
    private readonly config: HubConfig,
    private readonly metrics: HubMetrics,
  ) {}

  async handle(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    frame.source = conn.name;
    switch (frame.type) {
      case 'flowEvent':
      case 'paymentResponse':
      case 'response':
      case 'flowException':
        return this.reply(conn, frame);
      default:
        conn.sendException(
          ErrorCode.invalidData,
          `A device may send flowEvent, paymentResponse, response or flowException, not ${frame.type}`,
          frame.requestId,
        );
    }
  }

  async onBus(conn: Connection, msg: BusMessage): Promise<BusAck> {
    switch (msg.kind) {
      case 'deliver':
        return this.deliver(conn, msg);
      case 'forward': {
        const orig = msg.frame.originatingRequestId;
        if (!orig || !conn.deviceInflight.has(orig))
          return {
            ok: false,
            errorCode: ErrorCode.notFound,
            errorMessage: `No request '${orig ?? ''}' is in flight on this device`,
          };
        return this.write(conn, msg.frame, msg.deadline);
      }
      case 'ping':
        return { ok: true, inflight: msg.requestId ? conn.deviceInflight.has(msg.requestId) : undefined };
      case 'replaced':
        // Fencing: only a strictly newer claim closes this socket.
        if (msg.epoch > conn.epoch) conn.close(4409, 'Replaced by a newer connection');
        return { ok: true };
      case 'reply':
        return { ok: false, errorCode: ErrorCode.invalidData, errorMessage: 'devices do not take replies' };
    }
  }

  /** The socket dropped: every requester still waiting hears connectionLost, and so does the request's record. */
  failInflight(conn: Connection): void {
    for (const [requestId, entry] of conn.deviceInflight) {
      clearTimeout(entry.expiry);
      // It was written to the terminal: whatever it did with it is unknown.
      const frame = hubException(
        ErrorCode.connectionLost,
        `Device '${conn.name}' disconnected before answering; the outcome is unknown`,
        requestId,
        null,
        true,
      );
      frame.source = conn.name;
      // In the request's trace: the POS's hub and the record show where it ended.
      withTraceContext(entry.trace, () => {
        if (entry.replyConnId)
          void this.bus.publish(entry.replyConnId, { kind: 'reply', frame }).catch(() => undefined);
        void this.record(conn, requestId, entry, frame, 'hub');
      });
    }
    conn.deviceInflight.clear();
  }

  private async deliver(conn: Connection, msg: Extract<BusMessage, { kind: 'deliver' }>): Promise<BusAck> {
    const { frame, replyConnId, requester } = msg;
    // `record` is the previous release's name for mode (gateways of that release mid-upgrade).
    const mode = msg.mode ?? msg.record ?? 'sync';
    // A resend (the answer to the first was lost): never a second write. Checked first, since the
    // first may have been written before this hub started draining or its deadline passed.
    if (msg.resend && conn.hadRequest(frame.requestId)) return { ok: true, repeated: true };
    if (conn.closed)
      return {
        ok: false,
        errorCode: ErrorCode.connectionLost,
        errorMessage: `Device '${conn.name}' is not connected`,
        noResponders: true,
      };
    // Draining (SIGTERM): answered as if nobody held the device, so the requester reads presence
    // again; the device reconnects to another hub once its current transaction is done.
    if (this.registry.draining)
      return {
        ok: false,
        errorCode: ErrorCode.connectionLost,
        errorMessage: `Device '${conn.name}' is moving to another hub`,
        noResponders: true,
      };
    if (conn.deviceInflight.has(frame.requestId))
      return {
        ok: false,
        errorCode: ErrorCode.duplicateItem,
        errorMessage: `Request '${frame.requestId}' is already in flight`,
      };
    const busy = conn.deviceInflight.keys().next();
    if (!busy.done)
      return {
        ok: false,
        errorCode: ErrorCode.preconditionFailed,
        errorMessage: `Device '${conn.name}' is busy with request '${busy.value}'`,
      };
    // A delivery for another ownership epoch is a stale route (the device was claimed afresh): not
    // written; "no responders" makes the requester read the current owner and try once more.
    if (msg.epoch !== conn.epoch)
      return {
        ok: false,
        errorCode: ErrorCode.connectionLost,
        errorMessage: `Device '${conn.name}' has a newer connection`,
        noResponders: true,
      };
    const entry: DeviceInflight = {
      replyConnId,
      mode,
      events: 0,
      startedAt: Date.now(),
      trace: activeTraceContext(),
    };
    conn.deviceInflight.set(frame.requestId, entry);
    frame.target = conn.name;
    frame.source = requester;
    const ack = await this.write(conn, frame, msg.deadline);
    if (!ack.ok) {
      conn.settleDevice(frame.requestId);
      return ack;
    }
    this.armExpiry(conn, frame.requestId, entry);
    // A websocket request is recorded from the moment the device has it (the async ones the gateway wrote already).
    if (mode === 'sync')
      void this.events.publish(conn, {
        kind: 'start',
        mode,
        requestId: frame.requestId,
        index: 0,
        message: frame,
      });
    return ack;
  }

  /**
   * The deadline is checked right before the socket write, in the same tick: a hub that was
   * paused or stalled (SIGSTOP, GC, overload) finds its queued deliveries past it on resume and
   * drops them, because the requester has told its POS "outcome unknown" by then.
   */
  private async write(conn: Connection, frame: CloudFlowMessage, deadline?: number): Promise<BusAck> {
    if (deadline !== undefined && Date.now() > deadline) {
      return {
        ok: false,
        errorCode: ErrorCode.connectionLost,
        errorMessage: `The request for device '${conn.name}' reached its hub after its deadline; it was not sent`,
      };
    }
    // Delivery to the socket, inside the bus hop that brought it.
    return inChildSpan('socket write', SpanKind.PRODUCER, async (span): Promise<BusAck> => {
      span?.setAttribute('cloudflow.message.type', frame.type);
      try {
        await conn.send(frame);
        return { ok: true };
      } catch {
        markSpanFailed(span, 'socket closed');
        return {
          ok: false,
          errorCode: ErrorCode.connectionLost,
          errorMessage: `Device '${conn.name}' is not connected`,
        };
      }
    });
  }

  /**
   * A device that never answers must not stay busy forever: after the account's request timeout
   * (when its requester has given up too) plus a grace, the device takes requests again. An answer
   * that comes later is still published, as a `late` event, and recorded.
   */
  private armExpiry(conn: Connection, requestId: string, entry: DeviceInflight): void {
    const { tenantId, accountId } = conn.identity;
    void this.lookup
      .account(tenantId, accountId)
      .then(
        (account) => account.requestTimeoutSeconds,
        () => undefined,
      )
      .then((seconds) => {
        if (conn.deviceInflight.get(requestId) !== entry) return;
        const afterMs =
          (seconds ?? this.config.REQUEST_TIMEOUT_DEFAULT_S) * 1000 + this.config.INFLIGHT_GRACE_MS;
        entry.expiry = setTimeout(
          () => {
            if (conn.deviceInflight.get(requestId) === entry) conn.settleDevice(requestId);
          },
          Math.max(0, entry.startedAt + afterMs - Date.now()),
        );
        entry.expiry.unref();
      });
  }

  /** Each device message is a span of its request's trace (the delivery's); a late one is in none. */
  private reply(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    const entry = conn.deviceInflight.get(frame.originatingRequestId!);
    return inSpanUnder(entry?.trace, 'device message', SpanKind.CONSUMER, (span) => {
      span?.setAttribute('cloudflow.message.type', frame.type);
      return this.replyInTrace(conn, frame, entry);
    });
  }

  private async replyInTrace(
    conn: Connection,
    frame: CloudFlowMessage,
    entry: DeviceInflight | undefined,
  ): Promise<void> {
    const requestId = frame.originatingRequestId!;
    const { tenantId, accountId, referenceId } = conn.identity;
    // The same frame resent (after a reconnect, to any hub) gets the same event id: dropped as a duplicate downstream.
    const eventId = deviceEventId(tenantId, accountId, referenceId!, frame.requestId);
    let stored: Promise<boolean>;
    if (!entry) {
      // A late answer (the device reconnected, or its requester is long gone): a device's
      // result is never dropped, so the gateways record it if such a request exists.
      stored = this.events.publish(conn, { kind: 'late', requestId, index: null, message: frame, eventId });
    } else {
      if (FINAL_TYPES.has(frame.type) && conn.settleDevice(requestId))
        this.metrics.deviceAnswered(entry.mode, entry.startedAt);
      stored = this.record(conn, requestId, entry, frame, 'device', eventId);
      if (entry.replyConnId && FINAL_TYPES.has(frame.type)) void this.replyFinal(entry.replyConnId, frame);
      else if (entry.replyConnId) await this.bus.publish(entry.replyConnId, { kind: 'reply', frame });
    }
    if (FINAL_TYPES.has(frame.type)) void stored.then((ok) => this.settleFinal(conn, frame, ok));
  }

  /**
   * The final answer is what the POS waits for. Asked, not just published, and sent again while a
   * connection move lasts when it was not taken ("no responders": the POS's hub between NATS nodes
   * in lame duck or after a node loss) or not confirmed (lost with a connection the node closed):
   * published once, it was lost and the POS heard "no final answer" after its timeout. The POS's
   * hub writes a final it already has only once (ClientFrames).
   */
  private async replyFinal(replyConnId: string, frame: CloudFlowMessage): Promise<void> {
    let retry: MovingRetry | undefined;
    for (;;) {
      const ack = await this.bus.request(replyConnId, { kind: 'reply', frame }, FINAL_REPLY_TRY_MS);
      if (ack.ok || !(ack.noResponders || ack.timedOut)) return;
      retry ??= new MovingRetry();
      if (!(await retry.again())) return;
    }
  }

  /**
   * A final answer is acknowledged only once the stream holds it (JetStream's PubAck); until
   * then the device keeps it. If the stream would not take it, the socket is closed (1013) so the
   * device reconnects and resends it, rather than the answer being dropped here.
   */
  private settleFinal(conn: Connection, frame: CloudFlowMessage, stored: boolean): void {
    if (stored) conn.sendAck(frame.requestId);
    else conn.close(CLOSE_CODES.tryAgain, 'Could not store your answer; reconnect and send it again');
  }

  private record(
    conn: Connection,
    requestId: string,
    entry: DeviceInflight,
    frame: CloudFlowMessage,
    origin: 'device' | 'hub' = 'device',
    eventId?: string,
  ): Promise<boolean> {
    entry.events += 1;
    return this.events.publish(conn, {
      kind: 'reply',
      mode: entry.mode,
      requestId,
      index: entry.events,
      origin,
      message: frame,
      eventId,
    });
  }
}
