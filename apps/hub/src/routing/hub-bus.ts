import { Injectable } from '@nestjs/common';
import { connectionSubject, ErrorCode, type BusAck, type BusMessage } from '@cloudflow/contracts';
import { Broadcasts } from '@cloudflow/platform';
import { ErrorCode as NatsErrorCode, JSONCodec, type Msg, type NatsError, type Subscription } from 'nats';

/** The bus messages live in the contracts library: gateways send `deliver` and `ping` too. */
export type { BusAck, BusMessage };

const codec = JSONCodec<unknown>();

@Injectable()
export class HubBus {
  constructor(private readonly broadcasts: Broadcasts) {}

  /** Subscribes a connection's subject; requests get the handler's ack as the reply. */
  async attach(connId: string, handler: (msg: BusMessage) => Promise<BusAck | void>): Promise<Subscription> {
    const nc = await this.broadcasts.connection();
    const sub = nc.subscribe(connectionSubject(connId), {
      callback: (err: NatsError | null, msg: Msg) => {
        if (err) return;
        void handler(codec.decode(msg.data) as BusMessage).then(
          (ack) => msg.reply && msg.respond(codec.encode(ack ?? { ok: true })),
          (error: unknown) => msg.reply && msg.respond(codec.encode({ ok: false, errorCode: ErrorCode.failed, errorMessage: String(error) })),
        );
      },
    });
    // Make sure the server knows the subscription before anyone is told this connection exists.
    await nc.flush();
    return sub;
  }

  /** Asks the hub holding `connId`; "nobody holds it" comes back at once as connectionLost. */
  async request(connId: string, msg: BusMessage, timeoutMs: number): Promise<BusAck> {
    const nc = await this.broadcasts.connection();
    try {
      const reply = await nc.request(connectionSubject(connId), codec.encode(msg), { timeout: timeoutMs });
      return codec.decode(reply.data) as BusAck;
    } catch (error) {
      const code: string = (error as NatsError).code;
      if (code === (NatsErrorCode.NoResponders as string)) return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'The connection is gone', noResponders: true };
      if (code === (NatsErrorCode.Timeout as string)) return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'The connection did not answer in time', timedOut: true };
      return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'Messaging is unavailable' };
    }
  }

  async publish(connId: string, msg: BusMessage): Promise<void> {
    const nc = await this.broadcasts.connection();
    nc.publish(connectionSubject(connId), codec.encode(msg));
  }
}
