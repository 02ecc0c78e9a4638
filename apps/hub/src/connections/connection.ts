import {
  ackFrame,
  CLOSE_CODES,
  platformFlowException,
  type AckFrame,
  type CloudFlowMessage,
  type EventFrame,
  type DisconnectReason,
  type ErrorCode,
  type RequestMode,
} from '@cloudflow/contracts';
import type { TraceContext } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';

export interface ConnectionIdentity {
  kind: 'client' | 'device';
  tenantId: string;
  accountId: string;
  /** Devices only. */
  referenceId?: string;
  /** Clients: the APP key the socket's token was issued under (sync payments are billed to it). */
  appKeyId?: string;
  /** When auth minted the socket's token (ms, auth's clock): a revocation after it ends the socket. */
  issuedAtMs?: number;
}

/** How long a slow consumer's close handshake may take before its socket is cut. */
const SLOW_CLOSE_GRACE_MS = 1000;
/** Settled requestIds a device connection keeps for resent deliveries (Connection.hadRequest). */
const SETTLED_KEPT = 16;

/** A request this device socket is working on, and where its replies go. */
export interface DeviceInflight {
  /** The requesting client socket (sync); absent for async requests. */
  replyConnId?: string;
  /** Every request is recorded by the gateways: websocket ones as sync, REST ones as async. */
  mode: RequestMode;
  /** Events published to the request stream for it so far (their order at the gateway). */
  events: number;
  startedAt: number;
  /** Frees the device if no final answer came within the request timeout (plus a grace). */
  expiry?: NodeJS.Timeout;
  /** The delivery's span (tracing on): the device's messages for it are spans of its trace. */
  trace?: TraceContext;
}

/** A request this client socket sent, and the device connection that accepted it. */
export interface ClientInflight {
  deviceConnId: string;
  target: string;
  /** The request's frame type (payment, request): its outcome is counted under it (HubMetrics). */
  type: string;
  startedAt: number;
  /** The account's request timeout: the POS hears "outcome unknown" then, never waits forever. */
  timer?: NodeJS.Timeout;
}

/** One socket held by this hub: who it is, its in-flight requests. */
export class Connection {
  readonly openedAt = Date.now();
  alive = true;
  closed = false;
  epoch = 0;
  /**
   * Why the socket ended, for the device's `deviceDisconnected` event (issue 14): set by whoever
   * ends it (a revocation, a newer socket, a missed pong, the hub going away); a close the peer
   * started is `closed`.
   */
  closeReason?: DisconnectReason;
  readonly deviceInflight = new Map<string, DeviceInflight>();
  /** The requestIds settled on this device connection lately, oldest first (hadRequest). */
  private readonly settled: string[] = [];
  readonly clientInflight = new Map<string, ClientInflight>();
  /** Unsent bytes above which this socket is a slow consumer (set from HubConfig when opened). */
  maxBufferedBytes = 1024 * 1024;

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

  /**
   * Writes a frame; resolves once handed to the kernel, rejects if the socket is gone. A peer
   * that stopped reading is closed (1013) once its unsent data passes the cap, instead of
   * queueing in the hub's memory without bound; the socket is cut soon after, since the close
   * frame itself waits behind that data.
   */
  send(frame: CloudFlowMessage | AckFrame | EventFrame): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed || this.ws.readyState !== this.ws.OPEN) return reject(new Error('socket closed'));
      if (this.ws.bufferedAmount > this.maxBufferedBytes) {
        this.close(CLOSE_CODES.tryAgain, 'Slow consumer: the socket is not reading');
        setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
        return reject(new Error('slow consumer'));
      }
      this.ws.send(JSON.stringify(frame), (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Tells a device its final answer `originatingRequestId` is durably stored (README, the websocket protocol). */
  sendAck(originatingRequestId: string): void {
    this.send(ackFrame(randomUUID(), originatingRequestId, this.name)).catch(() => undefined);
  }

  /** A hub-made failure for this socket's sender (CONTRACT.md §7); `dispatched` for connectionLost. */
  sendException(
    code: ErrorCode,
    message: string,
    originatingRequestId: string | null,
    dispatched?: boolean,
  ): void {
    this.send(hubException(code, message, originatingRequestId, this.name, dispatched)).catch(
      () => undefined,
    );
  }

  /** Ends this client's wait for a request (final answer, timeout, lost device); the entry it held, if any. */
  settleClient(requestId: string): ClientInflight | undefined {
    const entry = this.clientInflight.get(requestId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.clientInflight.delete(requestId);
    return entry;
  }

  /** Ends this device's work on a request; the entry it held, if any. */
  settleDevice(requestId: string): DeviceInflight | undefined {
    const entry = this.deviceInflight.get(requestId);
    if (!entry) return undefined;
    clearTimeout(entry.expiry);
    this.deviceInflight.delete(requestId);
    this.rememberSettled(requestId);
    return entry;
  }

  /**
   * Whether this connection ever had `requestId` (in flight now, or settled lately): a resent
   * delivery of it is answered "repeated" and not written again. A device does one request at a
   * time, so the last few cover every resend, which stops at its deadline.
   */
  hadRequest(requestId: string): boolean {
    return this.deviceInflight.has(requestId) || this.settled.includes(requestId);
  }

  private rememberSettled(requestId: string): void {
    this.settled.push(requestId);
    if (this.settled.length > SETTLED_KEPT) this.settled.shift();
  }

  /** The socket is gone: no timer of its requests may fire any more. */
  clearTimers(): void {
    for (const entry of this.clientInflight.values()) clearTimeout(entry.timer);
    for (const entry of this.deviceInflight.values()) clearTimeout(entry.expiry);
  }

  close(code: number = CLOSE_CODES.restart, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason ??= REASON_OF_CODE[code];
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
  }
}

/** The close codes that say why by themselves (CONTRACT.md §7). */
const REASON_OF_CODE: Partial<Record<number, DisconnectReason>> = {
  [CLOSE_CODES.unauthorized]: 'revoked',
  [CLOSE_CODES.replaced]: 'replaced',
};

/** A failure the hub reports to a frame's sender (the shape: `platformFlowException`). */
export function hubException(
  code: ErrorCode,
  message: string,
  originatingRequestId: string | null,
  target: string | null,
  dispatched?: boolean,
): CloudFlowMessage {
  return platformFlowException({
    requestId: randomUUID(),
    source: 'cloudflow-hub',
    code,
    message,
    originatingRequestId,
    target,
    dispatched,
  });
}
