import { Injectable } from '@nestjs/common';
import { ErrorCode, FINAL_TYPES, type CloudFlowMessage } from '@cloudflow/contracts';
import { hubException, type Connection } from '../connections/connection';
import { HubBus, type BusAck, type BusMessage } from './hub-bus';

/**
 * The device side of a transaction: deliveries from any hub are written to this hub's device
 * socket, one at a time; everything the device answers goes back to the requesting socket.
 */
@Injectable()
export class DeviceFrames {
  constructor(private readonly bus: HubBus) {}

  async handle(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    frame.source = conn.name;
    switch (frame.type) {
      case 'flowEvent':
      case 'paymentResponse':
      case 'response':
      case 'flowException':
        return this.reply(conn, frame);
      default:
        conn.sendException(ErrorCode.invalidData, `A device may send flowEvent, paymentResponse, response or flowException, not ${frame.type}`, frame.requestId);
    }
  }

  async onBus(conn: Connection, msg: BusMessage): Promise<BusAck> {
    switch (msg.kind) {
      case 'deliver':
        return this.deliver(conn, msg.frame, msg.replyConnId, msg.requester);
      case 'forward': {
        const orig = msg.frame.originatingRequestId;
        if (!orig || !conn.deviceInflight.has(orig)) return { ok: false, errorCode: ErrorCode.notFound, errorMessage: `No request '${orig ?? ''}' is in flight on this device` };
        return this.write(conn, msg.frame);
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

  /** The socket dropped: every requester still waiting hears connectionLost. */
  failInflight(conn: Connection): void {
    for (const [requestId, entry] of conn.deviceInflight) {
      const frame = hubException(ErrorCode.connectionLost, `Device '${conn.name}' disconnected before answering`, requestId, null);
      frame.source = conn.name;
      void this.bus.publish(entry.replyConnId, { kind: 'reply', frame }).catch(() => undefined);
    }
    conn.deviceInflight.clear();
  }

  private async deliver(conn: Connection, frame: CloudFlowMessage, replyConnId: string, requester: string): Promise<BusAck> {
    if (conn.closed) return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: `Device '${conn.name}' is not connected`, noResponders: true };
    if (conn.deviceInflight.has(frame.requestId)) return { ok: false, errorCode: ErrorCode.duplicateItem, errorMessage: `Request '${frame.requestId}' is already in flight` };
    const busy = conn.deviceInflight.keys().next();
    if (!busy.done) return { ok: false, errorCode: ErrorCode.preconditionFailed, errorMessage: `Device '${conn.name}' is busy with request '${busy.value}'` };
    conn.deviceInflight.set(frame.requestId, { replyConnId, startedAt: Date.now() });
    frame.target = conn.name;
    frame.source = requester;
    const ack = await this.write(conn, frame);
    if (!ack.ok) conn.deviceInflight.delete(frame.requestId);
    return ack;
  }

  private async write(conn: Connection, frame: CloudFlowMessage): Promise<BusAck> {
    try {
      await conn.send(frame);
      return { ok: true };
    } catch {
      return { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: `Device '${conn.name}' is not connected` };
    }
  }

  private async reply(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    const requestId = frame.originatingRequestId!;
    const entry = conn.deviceInflight.get(requestId);
    if (!entry) return conn.sendException(ErrorCode.notFound, `No request '${requestId}' is in flight on this connection`, requestId);
    if (FINAL_TYPES.has(frame.type)) conn.deviceInflight.delete(requestId);
    await this.bus.publish(entry.replyConnId, { kind: 'reply', frame });
  }
}
