import { Injectable } from '@nestjs/common';
import { connectionSubject, ErrorCode, type BusAck, type BusMessage } from '@cloudflow/contracts';
import { Broadcasts } from '@cloudflow/platform';
import { JSONCodec, type Msg, type NatsConnection, type NatsError } from 'nats';
import { InboxRequests } from '../nats/inbox-requests';

/** The bus messages live in the contracts library: gateways send `deliver` and `ping` too. */
export type { BusAck, BusMessage };

const codec = JSONCodec<unknown>();
/** What surrounds a connection id in its subject. */
const [SUBJECT_HEAD, SUBJECT_TAIL] = connectionSubject('\u0000').split('\u0000');

@Injectable()
export class HubBus {
  private inbox?: Promise<InboxRequests>;
  private nc?: NatsConnection;
  private listening?: Promise<void>;

  constructor(private readonly broadcasts: Broadcasts) {}

  /**
   * This hub's one subscription, `connectionSubject('<prefix>.*')`: every connection it holds has
   * an id under its prefix (HubIdentity.newConnectionId). A subscription per socket cost ~1.6 KB
   * of heap and a round trip per connect; now a message for a connection this hub no longer
   * holds is answered "no responders" by `route` itself (NATS still does when the hub is gone).
   * Resolves once the server has the subscription; call it again to wait for that.
   */
  listen(prefix: string, route: (connId: string, msg: BusMessage) => Promise<BusAck | void>): Promise<void> {
    this.listening ??= this.broadcasts
      .connection()
      .then(async (nc) => {
        nc.subscribe(connectionSubject(`${prefix}.*`), {
          callback: (err: NatsError | null, msg: Msg) => {
            if (err) return;
            const connId = msg.subject.slice(SUBJECT_HEAD.length, msg.subject.length - SUBJECT_TAIL.length);
            let ack: Promise<BusAck | void>;
            try {
              ack = route(connId, codec.decode(msg.data) as BusMessage);
            } catch (error) {
              // A garbled message is answered `failed` like any other error.
              ack = Promise.reject(error instanceof Error ? error : new Error(String(error)));
            }
            void ack.then(
              (answer) => msg.reply && msg.respond(codec.encode(answer ?? { ok: true })),
              (error: unknown) => msg.reply && msg.respond(codec.encode({ ok: false, errorCode: ErrorCode.failed, errorMessage: String(error) })),
            );
          },
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

  /** Asks the hub holding `connId`; "nobody holds it" comes back at once as connectionLost. */
  async request(connId: string, msg: BusMessage, timeoutMs: number): Promise<BusAck> {
    this.inbox ??= this.broadcasts.connection().then((nc) => new InboxRequests(nc));
    const reply = await (await this.inbox).request(connectionSubject(connId), codec.encode(msg), timeoutMs);
    if (reply === 'noResponders') return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'The connection is gone', noResponders: true };
    if (reply === 'timeout') return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'The connection did not answer in time', timedOut: true };
    if (reply === 'unavailable') return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'Messaging is unavailable' };
    try {
      return codec.decode(reply.data) as BusAck;
    } catch {
      return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'Messaging is unavailable' };
    }
  }

  /**
   * Fire-and-forget. Once connected it publishes synchronously, so what a frame handler publishes
   * in one go (a reply and its request event) leaves in one socket write: nats.js flushes its
   * outbound buffer in a microtask queued by the first publish.
   */
  publish(connId: string, msg: BusMessage): Promise<void> {
    if (this.nc) return Promise.resolve(this.nc.publish(connectionSubject(connId), codec.encode(msg)));
    return this.broadcasts.connection().then((nc) => {
      this.nc = nc;
      nc.publish(connectionSubject(connId), codec.encode(msg));
    });
  }
}
