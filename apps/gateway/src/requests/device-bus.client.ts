import { Injectable } from '@nestjs/common';
import { connectionSubject, ErrorCode, type BusAck, type BusMessage } from '@cloudflow/contracts';

/** The hub's answer, or what the gateway concluded without one. `unknown`: the bus failed mid-request. */
export type DeliveryAck = BusAck & { unknown?: boolean };
import { Broadcasts } from '@cloudflow/platform';
import { ErrorCode as NatsErrorCode, JSONCodec, type NatsError } from 'nats';

const codec = JSONCodec<unknown>();

/** The gateway's side of the hubs' connection subjects: deliver an async request, ping a device connection. */
@Injectable()
export class DeviceBus {
  constructor(private readonly broadcasts: Broadcasts) {}

  async request(connId: string, msg: BusMessage, timeoutMs: number): Promise<DeliveryAck> {
    const nc = await this.broadcasts.connection();
    try {
      const reply = await nc.request(connectionSubject(connId), codec.encode(msg), { timeout: timeoutMs });
      return codec.decode(reply.data) as BusAck;
    } catch (error) {
      const code: string = (error as NatsError).code;
      if (code === (NatsErrorCode.NoResponders as string)) return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'The connection is gone', noResponders: true };
      if (code === (NatsErrorCode.Timeout as string)) return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'The connection did not answer in time', timedOut: true };
      // The request may have left before the failure (a NATS disconnect mid-way): its outcome is unknown, never "nothing dispatched".
      return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'Messaging failed during the request', unknown: true };
    }
  }
}
