import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  connectionSubject,
  ErrorCode,
  lostAck,
  parseBusAck,
  parseBusMessage,
  type BusAck,
  type BusMessage,
} from '@cloudflow/contracts';
import {
  busHeaders,
  correlationOf,
  decodeBus,
  encodeBus,
  inChildSpan,
  InboxRequests,
  inSpanUnder,
  markSpanFailed,
  NatsConnectionOwner,
  runWithCorrelation,
  SpanKind,
  traceOf,
} from '@cloudflow/platform';
import type { Msg, NatsConnection, NatsError } from 'nats';

/** The bus messages live in the contracts library: gateways send `deliver` and `ping` too. */
export type { BusAck, BusMessage };

/** Span names of the bus hop, sending side and receiving side (pings and fencing are not traced). */
const SENT: Partial<Record<BusMessage['kind'], string>> = {
  deliver: 'bus deliver',
  forward: 'bus forward',
  reply: 'bus reply',
};
const RECEIVED: Partial<Record<BusMessage['kind'], string>> = {
  deliver: 'hub deliver',
  forward: 'hub forward',
  reply: 'hub reply',
};

/** What surrounds a connection id in its subject. */
const [SUBJECT_HEAD, SUBJECT_TAIL] = connectionSubject('\u0000').split('\u0000');

/**
 * The connection subjects (`connectionSubject(connId)`): every message is validated against its
 * contract class on receipt (a malformed one is answered `invalidData`, never acted on), and the
 * sender's correlation id travels in a header both ways.
 */
@Injectable()
export class HubBus {
  private inbox?: Promise<InboxRequests>;
  private nc?: NatsConnection;
  private listening?: Promise<void>;

  constructor(private readonly nats: NatsConnectionOwner) {}

  /**
   * This hub's one subscription, `connectionSubject('<prefix>.*')`: every connection it holds has
   * an id under its prefix (HubIdentity.newConnectionId). A subscription per socket cost ~1.6 KB
   * of heap and a round trip per connect; now a message for a connection this hub no longer
   * holds is answered "no responders" by `route` itself (NATS still does when the hub is gone).
   * Resolves once the server has the subscription; call it again to wait for that.
   */
  listen(prefix: string, route: (connId: string, msg: BusMessage) => Promise<BusAck | void>): Promise<void> {
    this.listening ??= this.nats
      .connection()
      .then(async (nc) => {
        nc.subscribe(connectionSubject(`${prefix}.*`), {
          callback: (err: NatsError | null, msg: Msg) => !err && this.receive(msg, route),
        });
        // The server must know the subscription before any connection id of ours is published.
        await nc.flush();
      })
      .catch((error: unknown) => {
        this.listening = undefined;
        throw error;
      });
    return this.listening;
  }

  private receive(msg: Msg, route: (connId: string, msg: BusMessage) => Promise<BusAck | void>): void {
    const connId = msg.subject.slice(SUBJECT_HEAD.length, msg.subject.length - SUBJECT_TAIL.length);
    const answer = (ack: BusAck) => msg.reply && msg.respond(encodeBus(ack));
    runWithCorrelation(correlationOf(msg), () => {
      let ack: Promise<BusAck | void>;
      try {
        const decoded = decodeBus(msg.data, parseBusMessage);
        // The receiving end of the bus hop, in the sender's trace (its traceparent header).
        const name = RECEIVED[decoded.kind];
        ack = name
          ? inSpanUnder(traceOf(msg), name, SpanKind.SERVER, () => route(connId, decoded))
          : route(connId, decoded);
      } catch (error) {
        ack = Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      void ack.then(
        (result) => answer(result ?? { ok: true }),
        (error: unknown) =>
          answer(
            error instanceof CloudFlowError
              ? { ok: false, errorCode: error.code, errorMessage: error.message }
              : { ok: false, errorCode: ErrorCode.failed, errorMessage: String(error) },
          ),
      );
    });
  }

  /** Asks the hub holding `connId`; "nobody holds it" comes back at once as connectionLost. */
  request(connId: string, msg: BusMessage, timeoutMs: number): Promise<BusAck> {
    const name = SENT[msg.kind];
    if (!name) return this.requestNow(connId, msg, timeoutMs);
    // The sending end of the bus hop: its traceparent travels in the message's headers.
    return inChildSpan(name, SpanKind.CLIENT, async (span) => {
      const ack = await this.requestNow(connId, msg, timeoutMs);
      if (!ack.ok) markSpanFailed(span, ack.errorMessage);
      return ack;
    });
  }

  private async requestNow(connId: string, msg: BusMessage, timeoutMs: number): Promise<BusAck> {
    this.inbox ??= this.nats.connection().then((nc) => new InboxRequests(nc));
    const reply = await (
      await this.inbox
    ).request(connectionSubject(connId), encodeBus(msg), timeoutMs, busHeaders());
    if (reply === 'noResponders') return lostAck('gone');
    if (reply === 'timeout') return lostAck('timedOut');
    if (reply === 'unavailable')
      return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'Messaging is unavailable' };
    try {
      return decodeBus(reply.data, parseBusAck);
    } catch {
      // An answer we cannot read: whether the other side acted on the message is unknown.
      return lostAck('unreadable');
    }
  }

  /**
   * Fire-and-forget. Once connected it publishes synchronously, so what a frame handler publishes
   * in one go (a reply and its request event) leaves in one socket write: nats.js flushes its
   * outbound buffer in a microtask queued by the first publish.
   */
  publish(connId: string, msg: BusMessage): Promise<void> {
    const name = SENT[msg.kind];
    const send = (nc: NatsConnection) =>
      name
        ? inChildSpan(name, SpanKind.PRODUCER, () =>
            nc.publish(connectionSubject(connId), encodeBus(msg), { headers: busHeaders() }),
          )
        : nc.publish(connectionSubject(connId), encodeBus(msg), { headers: busHeaders() });
    if (this.nc) return Promise.resolve(send(this.nc));
    return this.nats.connection().then((nc) => {
      this.nc = nc;
      send(nc);
    });
  }
}
