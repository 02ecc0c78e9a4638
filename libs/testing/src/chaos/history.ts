import type { RequestMode } from '@cloudflow/contracts';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * The campaign's history: one JSON line per thing that happened, as seen by the simulated
 * devices, the POS clients and the webhook receivers (never by our services' own logs), plus
 * the faults the nemesis injected and what was read back from Postgres / NATS after the run.
 * The checker proves the invariants over this file alone.
 */
export type Mode = RequestMode;

export type HistoryEntry =
  /** A POS sent a payment (sync over the websocket, async as POST /client/v1.1/requests). */
  | {
      t: number;
      kind: 'request';
      mode: Mode;
      account: string;
      requestId: string;
      target: string;
      via: string;
      replay?: boolean;
    }
  /** The HTTP answer to an async POST; status 0 = no answer at all (connection refused or reset). */
  | {
      t: number;
      kind: 'httpAnswer';
      account: string;
      requestId: string;
      status: number;
      errorCode?: string;
      dispatched?: boolean;
      replay?: boolean;
      bodyStatus?: string;
      resultId?: string;
    }
  /** A frame a POS websocket received (its own account is `account`). */
  | {
      t: number;
      kind: 'posFrame';
      account: string;
      requestId: string;
      type: string;
      errorCode?: string;
      dispatched?: boolean;
      frameId?: string;
    }
  /** A POS websocket closed while these sync requests had no final answer: their outcome is unknown to the POS. */
  | { t: number; kind: 'posLost'; account: string; requestIds: string[]; code: number }
  /** The POS gave up waiting for a final answer to a sync request. */
  | { t: number; kind: 'posTimeout'; account: string; requestId: string }
  /** A frame a simulated device received ('in') or sent ('out'; `written` false = no socket was open). */
  | {
      t: number;
      kind: 'deviceFrame';
      dir: 'in' | 'out';
      account: string;
      device: string;
      type: string;
      frameId: string;
      requestId: string;
      written: boolean;
      resultId?: string;
    }
  /** A POST the account's webhook receiver got. */
  | {
      t: number;
      kind: 'webhook';
      account: string;
      requestId: string;
      type: string;
      frameId?: string;
      resultId?: string;
      verified: boolean;
      answered: number;
    }
  /** The nemesis: a fault began or ended. */
  | { t: number; kind: 'fault'; phase: 'start' | 'end'; fault: string; target: string; note?: string }
  /** After settling: GET /client/v1.1/requests/{id} (status 404 = no record). */
  | {
      t: number;
      kind: 'record';
      account: string;
      requestId: string;
      httpStatus: number;
      status?: string;
      messageIds: string[];
      messageTypes: string[];
      resultId?: string | null;
    }
  /** After settling: a Luhn scan of one place (Postgres tables, log files, the NATS store). */
  | {
      t: number;
      kind: 'scan';
      where: string;
      filesScanned: number;
      hits: Array<{ file: string; masked: string; context: string }>;
    }
  /** Campaign-level facts the checker needs (timeouts) and the report shows. */
  | { t: number; kind: 'meta'; seed: number; requestTimeoutMs: number; note?: string };

export type HistoryKind = HistoryEntry['kind'];
/** An entry before the writer stamps its time. */
export type Unstamped = HistoryEntry extends infer E
  ? E extends { t: number }
    ? Omit<E, 't'>
    : never
  : never;

export class HistoryWriter {
  private buffer: string[] = [];
  private readonly timer: NodeJS.Timeout;
  count = 0;

  constructor(readonly file: string) {
    writeFileSync(file, '');
    // Buffered: thousands of frames a second must not each cost a synchronous write.
    this.timer = setInterval(() => this.flush(), 500);
    this.timer.unref();
  }

  add(entry: Unstamped): void {
    this.buffer.push(JSON.stringify({ t: Date.now(), ...entry }));
    this.count++;
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    appendFileSync(this.file, this.buffer.join('\n') + '\n');
    this.buffer = [];
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

export function readHistory(file: string): HistoryEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as HistoryEntry);
}
