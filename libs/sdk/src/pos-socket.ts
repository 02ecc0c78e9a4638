import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { CloudFlowRest, PaymentSpec } from './rest-client';
import { paymentEnvelope } from './rest-client';

/** One CloudFlow frame (CONTRACT.md §7). */
export interface CloudFlowFrame {
  type: 'payment' | 'request' | 'paymentResponse' | 'response' | 'flowEvent' | 'flowException';
  format: string;
  version: string;
  requestId: string;
  originatingRequestId?: string | null;
  source?: string | null;
  target?: string | null;
  payload: Record<string, unknown>;
}

const FINAL = new Set(['paymentResponse', 'response', 'flowException']);
/** Close codes after which reconnecting cannot help: credentials revoked (4401), replaced (4409). */
const FATAL_CLOSES = new Set([4401, 4409]);

/** A payment sent over the websocket: its events as they come, and its final answer. */
export interface SyncPayment {
  requestId: string;
  /** Every flowEvent for it, then ends after the final answer (or rejects when the socket dropped). */
  events: AsyncIterable<CloudFlowFrame>;
  /** The final paymentResponse/response/flowException. */
  result: Promise<CloudFlowFrame>;
}

/** The socket dropped with this request in flight: its outcome is on the record (`rest.request(requestId)`). */
export class SocketClosedError extends Error {
  constructor(
    readonly requestId: string,
    readonly code: number,
  ) {
    super(
      `The websocket closed (${code}) before the answer to ${requestId}; read the request record for its outcome`,
    );
  }
}

interface Pending {
  /** The request as sent: a cancel names its target and speaks its format. */
  frame: CloudFlowFrame;
  events: CloudFlowFrame[];
  wake?: () => void;
  done: boolean;
  error?: Error;
  resolve: (f: CloudFlowFrame) => void;
  reject: (e: Error) => void;
}

export interface PosSocketOptions {
  /** Connect to this URL instead of the connectionUrl the gateway hands out. */
  hubUrl?: string;
  /** Reconnect after an unexpected close (default true), with a fresh token each time. */
  reconnect?: boolean;
}

/**
 * The Client API's websocket for synchronous payments: takes a token from the REST client,
 * keeps the socket open (reconnecting after a hub restart or a network drop), correlates every
 * answer with its request by `originatingRequestId`.
 */
export class PosSocket {
  private ws?: WebSocket;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  private opening?: Promise<void>;

  constructor(
    private readonly rest: CloudFlowRest,
    private readonly options: PosSocketOptions = {},
  ) {}

  /** Opens the socket (a payment opens it too). */
  connect(): Promise<void> {
    if (this.ws?.readyState === WebSocket.OPEN) return Promise.resolve();
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /** Sends a payment; resolves once the hub has it on the way (events and result follow). */
  async pay(p: PaymentSpec): Promise<SyncPayment> {
    const frame = paymentEnvelope({ ...p, requestId: p.requestId ?? randomUUID() }) as CloudFlowFrame;
    return this.send(frame);
  }

  async send(frame: CloudFlowFrame): Promise<SyncPayment> {
    await this.connect();
    const { requestId } = frame;
    let resolve!: (f: CloudFlowFrame) => void;
    let reject!: (e: Error) => void;
    const result = new Promise<CloudFlowFrame>((res, rej) => ((resolve = res), (reject = rej)));
    result.catch(() => undefined); // a caller may only iterate the events
    const entry: Pending = { frame, events: [], done: false, resolve, reject };
    this.pending.set(requestId, entry);
    this.ws!.send(JSON.stringify(frame));
    return { requestId, result, events: this.iterate(entry) };
  }

  /**
   * Asks the terminal to stop a payment this socket sent and that has no final answer yet (the
   * protocol's `cancel` frame). What happened comes as that payment's `result`: outcome
   * `cancelled` if the terminal stopped it, its real result if it had already decided. Throws for
   * a request that is not in flight here.
   */
  cancel(requestId: string): void {
    const entry = this.pending.get(requestId);
    if (!entry || !this.ws) throw new Error(`No payment '${requestId}' is in flight on this socket`);
    const { format, version, target } = entry.frame;
    this.ws.send(
      JSON.stringify({
        type: 'cancel',
        format,
        version,
        requestId: randomUUID(),
        originatingRequestId: requestId,
        target,
        payload: {},
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = this.ws;
    if (!ws || ws.readyState > WebSocket.OPEN) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'bye');
    });
  }

  private async open(): Promise<void> {
    const creds = await this.rest.token();
    const ws = new WebSocket(this.options.hubUrl ?? creds.connectionUrl, {
      headers: { authorization: `Bearer ${creds.accessToken}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`The hub refused the websocket: HTTP ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('close', (code) => this.onClose(ws, code));
    this.ws = ws;
  }

  private onFrame(data: Buffer): void {
    let frame: CloudFlowFrame;
    try {
      frame = JSON.parse(data.toString('utf8')) as CloudFlowFrame;
    } catch {
      return;
    }
    const id = frame.originatingRequestId ?? frame.requestId;
    const entry = id ? this.pending.get(id) : undefined;
    if (!entry) return;
    if (FINAL.has(frame.type)) {
      this.pending.delete(id);
      entry.done = true;
      entry.resolve(frame);
    } else {
      entry.events.push(frame);
    }
    entry.wake?.();
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    // Replies go to the socket that sent the request: on a new one they would not arrive.
    for (const [requestId, entry] of this.pending) {
      entry.done = true;
      entry.error = new SocketClosedError(requestId, code);
      entry.reject(entry.error);
      entry.wake?.();
    }
    this.pending.clear();
    if (this.closed || this.options.reconnect === false || FATAL_CLOSES.has(code)) return;
    const retry = (attempt: number) => {
      if (this.closed) return;
      this.connect().catch(() => setTimeout(() => retry(attempt + 1), Math.min(250 * 2 ** attempt, 10_000)));
    };
    setTimeout(() => retry(0), code === 1012 ? 50 : 250);
  }

  private async *iterate(entry: Pending): AsyncGenerator<CloudFlowFrame> {
    for (;;) {
      while (entry.events.length > 0) yield entry.events.shift()!;
      if (entry.error) throw entry.error;
      if (entry.done) return;
      await new Promise<void>((wake) => (entry.wake = wake));
      entry.wake = undefined;
    }
  }
}
