import { decide } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';

interface Frame {
  type: string;
  format: string;
  version: string;
  requestId: string;
  payload: Record<string, unknown>;
}

/**
 * A terminal that answers a payment in the same tick, with the final frame the testing library's
 * DeviceSimulator would send. It exists because the simulator waits `setTimeout(delayMs)` before
 * answering, and Node turns a 0 ms timer into ~1 ms: a floor that hides the relay's own cost in
 * the latency ratios. The report shows both devices.
 */
export class ImmediateDevice {
  requestsReceived = 0;

  /** `received`: when given, every requestId this device was sent goes in it (the async bench checks that refused requests never reached a device). */
  constructor(
    readonly ws: WebSocket,
    private readonly received?: Set<string>,
  ) {
    ws.on('message', (data: Buffer) => this.onFrame(JSON.parse(data.toString('utf8')) as Frame));
    ws.on('error', () => undefined);
  }

  async stop(): Promise<void> {
    const ws = this.ws;
    if (ws.readyState > 1) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'bye');
    });
  }

  private onFrame(request: Frame): void {
    if (request.type !== 'payment' && request.type !== 'request') return;
    this.requestsReceived++;
    this.received?.add(request.requestId);
    const amounts = (request.payload.amounts ?? {}) as { baseAmount?: number; currency?: string };
    const decision = decide(Number(amounts.baseAmount ?? 0));
    const reply = {
      type: request.type === 'payment' ? 'paymentResponse' : 'response',
      format: request.format,
      version: request.version,
      requestId: randomUUID(),
      originatingRequestId: request.requestId,
      payload: {
        id: randomUUID(),
        outcome: decision.outcome,
        ...(decision.failureReason ? { failureReason: decision.failureReason } : {}),
        transactions: [
          {
            id: randomUUID(),
            amounts: { baseAmount: decision.approvedAmount, currency: amounts.currency ?? 'EUR' },
            cardBrand: 'VISA',
            maskedPan: '************4242',
          },
        ],
      },
    };
    this.ws.send(JSON.stringify(reply));
  }
}
