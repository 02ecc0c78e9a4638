import { FINAL_TYPES, type CloudFlowMessage } from '@cloudflow/contracts';
import type WebSocket from 'ws';
import { clientToken } from '../simulator/credentials';
import { openSocket } from '../simulator/socket';
import type { ChaosAccount } from './cluster';
import type { HistoryWriter } from './history';

/**
 * A sync POS (Client API 1.0 websocket) that survives faults: it reconnects to the next hub
 * when its socket goes, and tells the history which sync payments it was waiting on when the
 * socket went (their outcome is unknown to it), or when it gave up waiting.
 */
export class PosSession {
  private ws?: WebSocket;
  private hubIndex: number;
  private stopped = false;
  private readonly inflight = new Map<string, { timer: NodeJS.Timeout; done: () => void }>();

  constructor(
    readonly account: ChaosAccount,
    private readonly hubUrls: string[],
    private readonly gatewayUrl: () => string,
    private readonly history: HistoryWriter,
    private readonly giveUpMs: number,
    firstHub: number,
  ) {
    this.hubIndex = firstHub;
  }

  get open(): boolean {
    return this.ws?.readyState === 1;
  }

  async connect(): Promise<void> {
    const url = this.hubUrls[this.hubIndex % this.hubUrls.length];
    try {
      const creds = await clientToken(
        {
          gatewayUrl: this.gatewayUrl(),
          appKey: this.account.appKey,
          accountId: this.account.accountId,
          apiToken: this.account.apiToken,
        },
        '1.0',
      );
      const ws = await openSocket(url, creds.accessToken);
      this.ws = ws;
      ws.on('message', (data: Buffer) => this.onFrame(data));
      ws.on('close', (code) => this.onClose(ws, code));
      ws.on('error', () => undefined);
    } catch (error) {
      this.hubIndex++;
      throw error;
    }
  }

  /** Sends a sync payment; `done` runs once its final answer came, the socket went, or the POS gave up. False when no socket is open. */
  pay(frame: CloudFlowMessage, done: () => void): boolean {
    if (!this.open) return false;
    const requestId = frame.requestId;
    const timer = setTimeout(() => {
      this.inflight.delete(requestId);
      this.history.add({ kind: 'posTimeout', account: this.account.accountId, requestId });
      done();
    }, this.giveUpMs);
    this.inflight.set(requestId, { timer, done });
    this.history.add({
      kind: 'request',
      mode: 'sync',
      account: this.account.accountId,
      requestId,
      target: frame.target ?? '',
      via: `hub${this.hubIndex % this.hubUrls.length}`,
    });
    this.ws!.send(JSON.stringify(frame));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ws?.terminate();
  }

  private onFrame(data: Buffer): void {
    let frame: CloudFlowMessage;
    try {
      frame = JSON.parse(data.toString('utf8')) as CloudFlowMessage;
    } catch {
      return;
    }
    const requestId = frame.originatingRequestId ?? frame.requestId;
    const payload: Record<string, unknown> = frame.payload ?? {};
    this.history.add({
      kind: 'posFrame',
      account: this.account.accountId,
      requestId,
      type: frame.type,
      frameId: frame.requestId,
      ...(typeof payload.errorCode === 'string' ? { errorCode: payload.errorCode } : {}),
      ...(typeof payload.dispatched === 'boolean' ? { dispatched: payload.dispatched } : {}),
    });
    if (!FINAL_TYPES.has(frame.type)) return;
    const waiting = this.inflight.get(requestId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.inflight.delete(requestId);
    waiting.done();
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    if (this.inflight.size > 0) {
      this.history.add({
        kind: 'posLost',
        account: this.account.accountId,
        requestIds: [...this.inflight.keys()],
        code,
      });
      for (const { timer, done } of this.inflight.values()) {
        clearTimeout(timer);
        done();
      }
      this.inflight.clear();
    }
    if (this.stopped) return;
    this.hubIndex++;
    const again = (attempt: number): void => {
      if (this.stopped) return;
      this.connect().catch(() => setTimeout(() => again(attempt + 1), Math.min(200 * attempt, 2000)));
    };
    setTimeout(() => again(1), 100);
  }
}
