import {
  ACK_TYPE,
  cancelledFinal,
  FINAL_TYPES,
  simulatedEvent,
  simulatedFinal,
  type CloudFlowMessage,
} from '@cloudflow/contracts';
import type WebSocket from 'ws';
import { enrolDevice, type DeviceCredential } from './credentials';
import { FrameLog, openSocket } from './socket';

export interface DeviceBehaviour {
  /** Milliseconds between the steps of a transaction (a slow terminal). */
  delayMs?: number;
  /** flowEvents sent before the final answer. */
  events?: number;
  /** Close the socket after the first flowEvent, never answering. */
  dropMidTransaction?: boolean;
  /** Take requests and never answer. */
  silent?: boolean;
  /** Drop mid-transaction, reconnect, and then send the final answer on the new socket. */
  lateAnswer?: boolean;
  /** Reconnect when the hub asks (1012) or the connection breaks; default true. */
  reconnect?: boolean;
  /** API version of the enrol call. */
  version?: string;
  /** Send events, then keep the final answer until `releaseFinal()` (and send it on whatever socket is open then). */
  holdFinal?: boolean;
  /** Reconnect to these hubs (in turn) when the current one is gone, as a terminal behind a load balancer would. */
  failoverHubUrls?: string[];
  /** Put this clear card data in every flowEvent and final answer, as a careless terminal app would (the platform must mask it at rest). */
  cardData?: { pan: string; track2: string };
  /**
   * On a cancel, answer the payment at once as if the approval had already been on its way (the
   * race of issue 13: the cancel loses). Without it a cancel before the final answer stops the
   * transaction (final answer with outcome "cancelled"); after it, the cancel is ignored.
   */
  cancelRace?: boolean;
}

/** Sees every frame the simulator receives ('in') and sends ('out', `written` false when no socket was open to take it), as it happens (fault-campaign history). */
export type FrameObserver = (direction: 'in' | 'out', frame: CloudFlowMessage, written: boolean) => void;

/** A scripted payment terminal: enrols over the Device API and answers like a real one. */
export class DeviceSimulator {
  readonly received = new FrameLog();
  readonly sent: CloudFlowMessage[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  requestsReceived = 0;
  /** Final answers sent and not yet acked by a hub, by their requestId: resent after every reconnect. */
  readonly unacked = new Map<string, CloudFlowMessage>();
  /** Finals sent again on a new socket because no hub had acked them. */
  readonly resent: CloudFlowMessage[] = [];
  private ws?: WebSocket;
  private stopped = false;
  private pendingFinal?: CloudFlowMessage;
  private heldFinal?: CloudFlowMessage;
  private hubIndex = 0;
  private observer?: FrameObserver;
  private answerDelayOnceMs = 0;
  /** Transactions in progress (final answer not sent yet), and the ones a cancel was asked for. */
  private readonly open = new Map<string, CloudFlowMessage>();
  private readonly cancelAsked = new Set<string>();

  constructor(
    readonly credential: DeviceCredential,
    readonly behaviour: DeviceBehaviour = {},
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  get connected(): boolean {
    return this.ws?.readyState === 1;
  }

  async connect(): Promise<void> {
    const creds = await enrolDevice(this.credential, this.behaviour.version);
    const hubs = [this.credential.hubUrl ?? creds.connectionUrl, ...(this.behaviour.failoverHubUrls ?? [])];
    const hubUrl = hubs[this.hubIndex % hubs.length];
    let ws: WebSocket;
    try {
      ws = await openSocket(hubUrl, creds.accessToken);
    } catch (error) {
      this.hubIndex++;
      throw error;
    }
    this.ws = ws;
    this.log(`connected to ${hubUrl} as ${this.credential.model}/${this.credential.serialNumber}`);
    ws.on('message', (data: Buffer) => this.onFrame(JSON.parse(data.toString('utf8')) as CloudFlowMessage));
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
    ws.on('error', () => undefined);
    // A final no hub acked may be lost with its hub: send it again (the cluster drops duplicates by its id).
    for (const final of this.unacked.values()) {
      this.resent.push(final);
      this.log(`↻ ${final.type} ${summary(final)} (not acked)`);
      ws.send(JSON.stringify(final));
    }
    if (this.pendingFinal) {
      const late = this.pendingFinal;
      this.pendingFinal = undefined;
      this.send(late);
    }
  }

  /** Breaks the connection abruptly (no close frame), as a terminal losing its network would. */
  drop(): void {
    this.ws?.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const ws = this.ws;
    if (!ws || ws.readyState > 1) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'bye');
    });
  }

  /** Stops reading the socket (a stuck terminal): the hub's writes pile up unread. */
  pauseReading(): void {
    if (this.ws?.readyState === 1) this.ws.pause();
  }

  resumeReading(): void {
    this.ws?.resume();
  }

  /** Reports every frame from now on to `observer` (one observer; a second call replaces it). */
  observe(observer: FrameObserver): void {
    this.observer = observer;
  }

  /** Stops reading the socket for `ms`, then reads again. */
  stopReading(ms: number): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return;
    ws.pause();
    setTimeout(() => ws.resume(), ms).unref();
  }

  /** The next transaction waits `ms` before its final answer (e.g. past the request timeout). */
  answerNextAfter(ms: number): void {
    this.answerDelayOnceMs = ms;
  }

  send(frame: CloudFlowMessage): void {
    this.observer?.('out', frame, this.ws?.readyState === 1);
    this.sent.push(frame);
    if (FINAL_TYPES.has(frame.type)) this.unacked.set(frame.requestId, frame);
    this.log(`→ ${frame.type} ${summary(frame)}`);
    this.ws?.send(JSON.stringify(frame));
  }

  private onFrame(frame: CloudFlowMessage): void {
    this.observer?.('in', frame, true);
    this.received.push(frame);
    this.log(`← ${frame.type} ${summary(frame)}`);
    const about = frame.originatingRequestId;
    // The hub holds the final durably now; or it refused it outright (invalidData): resending cannot help.
    if (
      about &&
      ((frame.type as string) === ACK_TYPE ||
        (frame.type === 'flowException' && frame.payload.errorCode === 'invalidData'))
    )
      this.unacked.delete(about);
    if (frame.type === 'payment' || frame.type === 'request') {
      this.requestsReceived++;
      void this.transact(frame);
    }
    if (frame.type === 'cancel' && about) this.onCancel(about);
  }

  /** What a terminal does with a cancel: too late once the final answer is out, else stop (or lose the race). */
  private onCancel(requestId: string): void {
    const request = this.open.get(requestId);
    if (!request) return; // finished (or never here): the answer already given stands
    if (this.behaviour.cancelRace) return this.finish(request, this.final(request));
    this.cancelAsked.add(requestId);
    if (this.heldFinal?.originatingRequestId === requestId) {
      this.heldFinal = undefined;
      this.finish(request, cancelledFinal(request));
    }
  }

  /** Sends a transaction's one final answer; later attempts for it (the loop, a cancel) do nothing. */
  private finish(request: CloudFlowMessage, final: CloudFlowMessage): void {
    if (!this.open.delete(request.requestId)) return;
    this.cancelAsked.delete(request.requestId);
    this.send(final);
  }

  private async transact(request: CloudFlowMessage): Promise<void> {
    const b = this.behaviour;
    if (b.silent) return;
    this.open.set(request.requestId, request);
    const pause = () => new Promise((r) => setTimeout(r, b.delayMs ?? 20));
    // Between steps the terminal looks for a cancel; once done (a cancel or the race ended it) it stops.
    const stopped = () => {
      if (!this.open.has(request.requestId)) return true;
      if (!this.cancelAsked.has(request.requestId)) return false;
      this.finish(request, cancelledFinal(request));
      return true;
    };
    for (let i = 0; i < (b.events ?? 2); i++) {
      await pause();
      if (stopped()) return;
      this.send(simulatedEvent(request, i, this.cardData()));
      if (i === 0 && (b.dropMidTransaction || b.lateAnswer)) {
        if (b.lateAnswer) this.pendingFinal = this.final(request);
        this.open.delete(request.requestId); // its answer is decided (or never comes): a cancel changes nothing
        this.drop();
        return;
      }
    }
    await pause();
    if (this.answerDelayOnceMs > 0) {
      const wait = this.answerDelayOnceMs;
      this.answerDelayOnceMs = 0;
      await new Promise((r) => setTimeout(r, wait));
    }
    if (stopped()) return;
    if (b.holdFinal) {
      this.heldFinal = this.final(request);
      return;
    }
    this.finish(request, this.final(request));
  }

  /** Sends the final answer `holdFinal` kept back (waiting for it if the transaction is still running); a late answer when the socket is a new one. */
  async releaseFinal(timeoutMs = 10_000): Promise<CloudFlowMessage> {
    const deadline = Date.now() + timeoutMs;
    while (!this.heldFinal && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const final = this.heldFinal;
    if (!final) throw new Error('no final answer is being held');
    this.heldFinal = undefined;
    const request = this.open.get(final.originatingRequestId!);
    if (request) this.finish(request, final);
    else this.send(final); // a late answer on a new socket
    return final;
  }

  private final(request: CloudFlowMessage): CloudFlowMessage {
    return simulatedFinal(request, this.cardData());
  }

  private cardData(): Record<string, string> {
    const card = this.behaviour.cardData;
    return card ? { pan: card.pan, track2: card.track2 } : {};
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.closes.push({ code, reason });
    this.log(`closed ${code} ${reason}`);
    const again =
      this.behaviour.reconnect !== false && !this.stopped && code !== 4409 && code !== 4401 && code !== 1000;
    if (again) setTimeout(() => void this.reconnect(), this.pendingFinal ? 50 : 200);
  }

  private async reconnect(attempt = 1): Promise<void> {
    if (this.stopped) return;
    try {
      await this.connect();
    } catch {
      if (attempt < 50) setTimeout(() => void this.reconnect(attempt + 1), Math.min(100 * attempt, 2000));
    }
  }
}

export function summary(frame: CloudFlowMessage): string {
  const p = frame.payload;
  const bits = [frame.originatingRequestId ? `for ${frame.originatingRequestId}` : `id ${frame.requestId}`];
  for (const k of ['stage', 'outcome', 'failureReason', 'errorCode', 'errorMessage'])
    if (p[k] !== undefined) bits.push(`${k}=${typeof p[k] === 'string' ? p[k] : JSON.stringify(p[k])}`);
  const amounts = p.amounts as { baseAmount?: number; currency?: string } | undefined;
  if (amounts?.baseAmount !== undefined) bits.push(`${amounts.baseAmount} ${amounts.currency ?? ''}`.trim());
  return bits.join(' ');
}
