import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, FINAL_TYPES, type CloudFlowMessage } from '@cloudflow/contracts';
import type { Connection } from '../connections/connection';
import { HubConfig } from '../hub.config';
import { RelayLookup } from '../lookup/relay-lookup';
import { DeviceOwners } from './device-owners';
import { HubBus, type BusAck, type BusMessage } from './hub-bus';

/**
 * Frames from POS sockets: a `payment`/`request` starts a transaction on a device of the
 * client's own account, wherever that device is connected; a `flowEvent` goes to the device
 * working on one of this client's requests. Failures come back as flowException.
 */
@Injectable()
export class ClientFrames {
  constructor(
    private readonly lookup: RelayLookup,
    private readonly owners: DeviceOwners,
    private readonly bus: HubBus,
    private readonly config: HubConfig,
  ) {}

  async handle(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    frame.source = conn.name;
    switch (frame.type) {
      case 'payment':
      case 'request':
        return this.start(conn, frame);
      case 'flowEvent':
        return this.forward(conn, frame);
      default:
        conn.sendException(ErrorCode.invalidData, `A client may send payment, request or flowEvent, not ${frame.type}`, frame.requestId);
    }
  }

  /** Replies routed to this client socket by the device's hub. */
  async onBus(conn: Connection, msg: BusMessage): Promise<BusAck> {
    if (msg.kind === 'ping') return { ok: true };
    if (msg.kind !== 'reply') return { ok: false, errorCode: ErrorCode.invalidData, errorMessage: `unexpected ${msg.kind}` };
    const { frame } = msg;
    if (FINAL_TYPES.has(frame.type) && frame.originatingRequestId) conn.clientInflight.delete(frame.originatingRequestId);
    await conn.send(frame).catch(() => undefined);
    return { ok: true };
  }

  private async start(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    const { tenantId, accountId } = conn.identity;
    const target = frame.target!;
    if (conn.clientInflight.has(frame.requestId)) {
      return conn.sendException(ErrorCode.duplicateItem, `Request '${frame.requestId}' is already in flight`, frame.requestId);
    }
    try {
      // Only devices of the client's own account exist for it: anything else is notFound.
      const device = await this.lookup.device(tenantId, accountId, target);
      if (!device.enabled) throw new CloudFlowError(ErrorCode.preconditionFailed, `Device '${target}' is disabled`);
    } catch (error) {
      const e = error instanceof CloudFlowError ? error : new CloudFlowError(ErrorCode.failed, 'Device lookup failed; please retry');
      const message = e.code === ErrorCode.notFound ? `Device '${target}' does not exist` : e.message;
      return conn.sendException(e.code, message, frame.requestId);
    }
    // Two tries: the first owner may be stale (cached for a second, or the device just reconnected
    // elsewhere). A retry happens only on "nobody holds that connection", which proves the first
    // try delivered nothing, and it always reads the presence store afresh.
    for (let attempt = 0; attempt < 2; attempt++) {
      const owner = await this.owners.owner(tenantId, accountId, target, attempt > 0);
      if (!owner) break;
      conn.clientInflight.set(frame.requestId, { deviceConnId: owner.connId, target, startedAt: Date.now() });
      const ack = await this.bus.request(owner.connId, { kind: 'deliver', frame, replyConnId: conn.id, requester: accountId, deadline: Date.now() + this.config.DELIVERY_TIMEOUT_MS, epoch: owner.epoch }, this.config.DELIVERY_TIMEOUT_MS);
      if (ack.ok) return;
      if (ack.timedOut) {
        // The device may or may not have it: keep routing late replies, but tell the POS now.
        return conn.sendException(ErrorCode.connectionLost, `Device '${target}' did not confirm the request in time; its outcome is unknown`, frame.requestId);
      }
      conn.clientInflight.delete(frame.requestId);
      if (!ack.noResponders) return conn.sendException(ack.errorCode, ack.errorMessage, frame.requestId);
    }
    conn.sendException(ErrorCode.connectionLost, `Device '${target}' is not connected`, frame.requestId);
  }

  private async forward(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    const entry = frame.originatingRequestId ? conn.clientInflight.get(frame.originatingRequestId) : undefined;
    if (!entry) {
      return conn.sendException(ErrorCode.notFound, `No request '${frame.originatingRequestId ?? ''}' of this client is in flight`, frame.requestId);
    }
    const ack = await this.bus.request(entry.deviceConnId, { kind: 'forward', frame }, this.config.DELIVERY_TIMEOUT_MS);
    if (!ack.ok) conn.sendException(ack.errorCode, ack.errorMessage, frame.requestId);
  }
}
