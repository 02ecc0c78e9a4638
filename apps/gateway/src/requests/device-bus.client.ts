import { Injectable } from '@nestjs/common';
import {
  connectionSubject,
  ErrorCode,
  lostAck,
  parseBusAck,
  type BusAck,
  type BusMessage,
} from '@cloudflow/contracts';
import {
  busHeaders,
  decodeBus,
  encodeBus,
  inChildSpan,
  markSpanFailed,
  NatsConnectionOwner,
  SpanKind,
} from '@cloudflow/platform';
import { ErrorCode as NatsErrorCode, type NatsError } from 'nats';

/** The hub's answer, or what the gateway concluded without one. `unknown`: the bus failed mid-request. */
export type DeliveryAck = BusAck & { unknown?: boolean };

/** The gateway's side of the hubs' connection subjects: deliver an async request, ping a device connection. */
@Injectable()
export class DeviceBus {
  constructor(private readonly nats: NatsConnectionOwner) {}

  request(connId: string, msg: BusMessage, timeoutMs: number): Promise<DeliveryAck> {
    if (msg.kind !== 'deliver') return this.requestNow(connId, msg, timeoutMs);
    // The bus hop to the device's hub (each resend its own): the traceparent goes in the headers.
    return inChildSpan('bus deliver', SpanKind.CLIENT, async (span) => {
      const ack = await this.requestNow(connId, msg, timeoutMs);
      if (!ack.ok) markSpanFailed(span, ack.errorMessage);
      return ack;
    });
  }

  private async requestNow(connId: string, msg: BusMessage, timeoutMs: number): Promise<DeliveryAck> {
    const nc = await this.nats.connection();
    try {
      const reply = await nc.request(connectionSubject(connId), encodeBus(msg), {
        timeout: timeoutMs,
        headers: busHeaders(),
      });
      // Validated like every bus message; an unreadable answer leaves the outcome unknown.
      try {
        return decodeBus(reply.data, parseBusAck);
      } catch {
        return lostAck('unreadable');
      }
    } catch (error) {
      const code: string = (error as NatsError).code;
      if (code === (NatsErrorCode.NoResponders as string)) return lostAck('gone');
      if (code === (NatsErrorCode.Timeout as string)) return lostAck('timedOut');
      // The request may have left before the failure (a NATS disconnect mid-way): its outcome is unknown, never "nothing dispatched".
      return {
        ok: false,
        errorCode: ErrorCode.connectionLost,
        errorMessage: 'Messaging failed during the request',
        unknown: true,
      };
    }
  }
}
