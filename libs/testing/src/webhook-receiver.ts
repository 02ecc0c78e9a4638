import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { freePort, waitFor } from './ports';

/** One POST the receiver got, as it arrived. */
export interface ReceivedWebhook {
  at: number;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON body (undefined when it did not parse). */
  body: Record<string, unknown> | undefined;
  deliveryId: string | undefined;
  requestId: string | undefined;
  /** The CloudFlow-Signature matched the secret and the exact raw body. */
  verified: boolean;
  /** The status this receiver answered. */
  answered: number;
}

export type ReceiverMode = 'ok' | 'fail';

/**
 * A real webhook endpoint on 127.0.0.1 for tests, checking signatures on its own (not with the
 * gateway's code, so a signing bug cannot hide). It answers 200 (or 500 in 'fail' mode), can be
 * stopped and restarted on the same port, and records everything it received, including the
 * failures it answered.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  mode: ReceiverMode = 'ok';
  /** Answer this long after the body arrived (timeouts, in-flight kills). */
  delayMs = 0;
  /** Picks the status per delivery (overrides `mode`), e.g. to fail only one message a few times. */
  respond?: (delivery: Omit<ReceivedWebhook, 'answered'>) => number;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly port: number,
    public secret: string | undefined,
  ) {}

  static async start(secret?: string): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort(), secret);
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhooks`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Successfully answered deliveries (2xx) only. */
  get accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => r.answered < 300);
  }

  /** Accepted deliveries of one request, in arrival order. */
  acceptedFor(requestId: string): ReceivedWebhook[] {
    return this.accepted.filter((r) => r.requestId === requestId);
  }

  /** Waits until `count` deliveries were accepted (optionally of one request). */
  waitForAccepted(count: number, requestId?: string, timeoutMs = 15_000): Promise<ReceivedWebhook[]> {
    const pick = () => (requestId ? this.acceptedFor(requestId) : this.accepted);
    return waitFor(
      `${count} accepted webhook deliveries${requestId ? ` of ${requestId}` : ''} (have ${pick().length})`,
      () => Promise.resolve(pick().length >= count ? pick() : undefined),
      timeoutMs,
      20,
    );
  }

  /** Waits until anything matching `predicate` arrived (accepted or not). */
  waitForReceived(
    predicate: (r: ReceivedWebhook) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<ReceivedWebhook> {
    return waitFor(what, () => Promise.resolve(this.received.find(predicate)), timeoutMs, 20);
  }

  /** Closes the port and every open connection: senders get "connection refused". */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    if (!this.server) await this.listen();
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const delivery = {
          at: Date.now(),
          headers: req.headers,
          rawBody,
          body: parse(rawBody),
          deliveryId: header(req.headers, 'cloudflow-delivery-id'),
          requestId: header(req.headers, 'cloudflow-request-id'),
          verified: verifySignature(this.secret, header(req.headers, 'cloudflow-signature'), rawBody),
        };
        const answered = this.respond ? this.respond(delivery) : this.mode === 'ok' ? 200 : 500;
        this.received.push({ ...delivery, answered });
        const reply = () =>
          res
            .writeHead(answered, { 'content-type': 'text/plain' })
            .end(answered < 300 ? 'ok' : 'failing on purpose');
        if (this.delayMs <= 0) return reply();
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          reply();
        }, this.delayMs);
        this.timers.add(timer);
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        resolve();
      });
    });
  }
}

/**
 * `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (CONTRACT.md §8), checked in constant
 * time; true when any `v1=` matches (a rotation's overlap carries one per secret, issue 14).
 */
export function verifySignature(
  secret: string | undefined,
  signature: string | undefined,
  rawBody: string,
): boolean {
  if (!secret || !signature) return false;
  const parts = signature.split(',').map((p) => p.split('=', 2) as [string, string | undefined]);
  const t = parts.find(([k]) => k === 't')?.[1];
  const v1s = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (!t || !/^\d+$/.test(t) || v1s.length === 0 || !v1s.every((v) => /^[0-9a-f]{64}$/.test(v))) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return v1s.some((v1) => timingSafeEqual(expected, Buffer.from(v1, 'hex')));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parse(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
