import { CLOSE_CODES, type CloudFlowMessage, type ErrorCode } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';

export interface ConnectionIdentity {
  kind: 'client' | 'device';
  tenantId: string;
  accountId: string;
  /** Devices only. */
  referenceId?: string;
}

/** A request this device socket is working on, and where its replies go. */
export interface DeviceInflight {
  /** The requesting client socket (sync); absent for async requests. */
  replyConnId?: string;
  /** Every request is recorded by the gateways: websocket ones as sync, REST ones as async. */
  mode: 'sync' | 'async';
  /** Events published to the request stream for it so far (their order at the gateway). */
  events: number;
  startedAt: number;
}

/** A request this client socket sent, and the device connection that accepted it. */
export interface ClientInflight {
  deviceConnId: string;
  target: string;
  startedAt: number;
}

/** One socket held by this hub: who it is, its in-flight requests. */
export class Connection {
  readonly openedAt = Date.now();
  alive = true;
  closed = false;
  epoch = 0;
  readonly deviceInflight = new Map<string, DeviceInflight>();
  readonly clientInflight = new Map<string, ClientInflight>();

  constructor(
    readonly identity: ConnectionIdentity,
    readonly ws: WebSocket,
    /** Its bus subject is `connectionSubject(id)`; the hub makes ids under its own prefix (HubIdentity). */
    readonly id: string = randomUUID(),
  ) {}

  /** What the hub writes into `source` for frames this socket sends. */
  get name(): string {
    return this.identity.kind === 'device' ? this.identity.referenceId! : this.identity.accountId;
  }

  /** Writes a frame; resolves once handed to the kernel, rejects if the socket is gone. */
  send(frame: CloudFlowMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed || this.ws.readyState !== this.ws.OPEN) return reject(new Error('socket closed'));
      this.ws.send(JSON.stringify(frame), (err) => (err ? reject(err) : resolve()));
    });
  }

  /** A hub-made failure for this socket's sender (CONTRACT.md §7). */
  sendException(code: ErrorCode, message: string, originatingRequestId: string | null): void {
    this.send(hubException(code, message, originatingRequestId, this.name)).catch(() => undefined);
  }

  close(code: number = CLOSE_CODES.restart, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
  }
}

export function hubException(code: ErrorCode, message: string, originatingRequestId: string | null, target: string | null): CloudFlowMessage {
  return {
    type: 'flowException',
    format: 'cloudflow',
    version: '1.0',
    requestId: randomUUID(),
    originatingRequestId,
    source: 'cloudflow-hub',
    target,
    payload: { errorCode: code, errorMessage: message },
  };
}
