import { FINAL_TYPES, type CloudFlowMessage } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { clientToken, type ClientCredential } from './credentials';
import { summary } from './device-simulator';
import { FrameLog, openSocket } from './socket';

export interface PaymentResult {
  requestId: string;
  events: CloudFlowMessage[];
  final: CloudFlowMessage;
}

/** A POS over the websocket API: connect, send a payment, collect its events and final answer. */
export class PosClient {
  readonly received = new FrameLog();
  private ws?: WebSocket;
  readonly closes: Array<{ code: number; reason: string }> = [];

  constructor(
    readonly credential: ClientCredential,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  async connect(version = '1.0'): Promise<void> {
    const creds = await clientToken(this.credential, version);
    this.ws = await openSocket(this.credential.hubUrl ?? creds.connectionUrl, creds.accessToken);
    this.log(
      `connected to ${this.credential.hubUrl ?? creds.connectionUrl} as account ${this.credential.accountId}`,
    );
    this.ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as CloudFlowMessage;
      this.log(`← ${frame.type} ${summary(frame)}`);
      this.received.push(frame);
    });
    this.ws.on('close', (code, reason) => this.closes.push({ code, reason: reason.toString() }));
    this.ws.on('error', () => undefined);
  }

  sendRaw(text: string): void {
    this.ws!.send(text);
  }

  send(frame: CloudFlowMessage): void {
    this.log(`→ ${frame.type} ${summary(frame)}`);
    this.ws!.send(JSON.stringify(frame));
  }

  paymentFrame(
    target: string,
    baseAmount: number,
    currency = 'EUR',
    requestId: string = randomUUID(),
  ): CloudFlowMessage {
    return {
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId,
      target,
      payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount, currency } },
    };
  }

  /** Sends a payment and resolves with everything answered for it once the final frame arrives. */
  async pay(
    target: string,
    baseAmount: number,
    currency = 'EUR',
    timeoutMs = 15_000,
    requestId: string = randomUUID(),
  ): Promise<PaymentResult> {
    this.send(this.paymentFrame(target, baseAmount, currency, requestId));
    return this.result(requestId, timeoutMs);
  }

  /** Asks the terminal to stop `requestId` (issue 13); the answer is that request's final frame. */
  cancel(requestId: string, target: string): void {
    this.send({
      type: 'cancel',
      format: 'appflow',
      version: '2.1.2',
      requestId: randomUUID(),
      originatingRequestId: requestId,
      target,
      payload: {},
    });
  }

  async result(requestId: string, timeoutMs = 15_000): Promise<PaymentResult> {
    const final = await this.received.waitFor(
      (f) => f.originatingRequestId === requestId && FINAL_TYPES.has(f.type),
      timeoutMs,
      `the final answer to ${requestId}`,
    );
    const events = this.received.frames.filter(
      (f) => f.originatingRequestId === requestId && f.type === 'flowEvent',
    );
    return { requestId, events, final };
  }

  async close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState > 1) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'bye');
    });
  }
}
