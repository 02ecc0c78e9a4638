import { simulatedFinal, type CloudFlowMessage } from '@cloudflow/contracts';
import type WebSocket from 'ws';

/**
 * A terminal that answers a payment in the same tick, with the final frame the testing library's
 * DeviceSimulator and the hubs' simulated terminals send (contracts' simulatedFinal). It exists
 * because the simulator waits `setTimeout(delayMs)` before answering, and Node turns a 0 ms timer into ~1 ms: a floor that hides the relay's own cost in
 * the latency ratios. The report shows both devices.
 */
export class ImmediateDevice {
  requestsReceived = 0;

  /** `received`: when given, every requestId this device was sent goes in it (the async bench checks that refused requests never reached a device). */
  constructor(
    readonly ws: WebSocket,
    private readonly received?: Set<string>,
  ) {
    ws.on('message', (data: Buffer) => this.onFrame(JSON.parse(data.toString('utf8')) as CloudFlowMessage));
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

  private onFrame(request: CloudFlowMessage): void {
    if (request.type !== 'payment' && request.type !== 'request') return;
    this.requestsReceived++;
    this.received?.add(request.requestId);
    const reply = simulatedFinal(request);
    this.ws.send(JSON.stringify(reply));
  }
}
