import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';

/** Final frame types, as in the contract (the POS stops waiting at the first of these). */
const FINAL = new Set(['paymentResponse', 'response', 'flowException']);

export interface PaymentOutcome {
  /** Payment frame written → final frame received, in milliseconds. */
  ms: number;
  /** `paymentResponse:FULFILLED`, `flowException:connectionLost`, `timeout`, ... */
  result: string;
}

interface Waiter {
  startedAt: bigint;
  resolve: (outcome: PaymentOutcome) => void;
  timer: NodeJS.Timeout;
}

/**
 * The POS side of the load generator: one websocket, many payments in flight, answers matched
 * by originatingRequestId in a map (the testing library's PosClient keeps and scans every frame
 * it ever received, which would make the load generator slower as a run goes on).
 */
export class LoadClient {
  private readonly waiting = new Map<string, Waiter>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.onFrame(data));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      for (const [requestId, w] of this.waiting) this.finish(requestId, w, 'socketClosed');
    });
  }

  /** Sends one payment and resolves with its round trip time and how it ended (never rejects). */
  pay(target: string, baseAmount = 1000, timeoutMs = 15_000): Promise<PaymentOutcome> {
    const requestId = randomUUID();
    const frame = {
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId,
      target,
      payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount, currency: 'EUR' } },
    };
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.finish(requestId, this.waiting.get(requestId), 'timeout'),
        timeoutMs,
      );
      this.waiting.set(requestId, { startedAt: process.hrtime.bigint(), resolve, timer });
      this.ws.send(JSON.stringify(frame));
    });
  }

  close(): void {
    this.ws.close(1000, 'bye');
  }

  private onFrame(data: Buffer): void {
    const frame = JSON.parse(data.toString('utf8')) as {
      type: string;
      originatingRequestId?: string;
      payload?: Record<string, unknown>;
    };
    if (!FINAL.has(frame.type) || !frame.originatingRequestId) return;
    const w = this.waiting.get(frame.originatingRequestId);
    const detail = frame.type === 'paymentResponse' ? frame.payload?.outcome : frame.payload?.errorCode;
    this.finish(frame.originatingRequestId, w, `${frame.type}:${String(detail)}`);
  }

  private finish(requestId: string, w: Waiter | undefined, result: string): void {
    if (!w) return;
    this.waiting.delete(requestId);
    clearTimeout(w.timer);
    w.resolve({ ms: Number(process.hrtime.bigint() - w.startedAt) / 1e6, result });
  }
}
