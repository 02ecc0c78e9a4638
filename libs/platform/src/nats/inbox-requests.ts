import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type NatsError } from 'nats';

/** How a request ended without an answer; plain values, so the hot path builds no Error objects. */
export type NoAnswer = 'noResponders' | 'timeout' | 'unavailable';

interface Pending {
  resolve: (answer: Msg | NoAnswer) => void;
  deadline: number;
}

const SWEEP_MS = 25;

/**
 * Request/reply over one wildcard inbox subscription per NATS connection, for the relay's hot path.
 * nats.js `request()` does the same, but every request it completes also builds a "Cancelled"
 * NatsError (a captured stack) and arms a timer of its own; in the bench profile that was a few
 * percent of each hub's CPU. Here a request is one publish and one map entry, and a single
 * sweeper (running only while requests are pending) ends the ones whose deadline passed.
 * "No responders" is the server's 503 status on the reply subject, as nats.js reads it.
 */
export class InboxRequests {
  /** Under the connection's `inboxPrefix`: NATS lets each service subscribe only to its own replies. */
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly nc: NatsConnection) {
    this.prefix = createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
    nc.subscribe(`${this.prefix}.*`, { callback: (err, msg) => this.answer(err, msg) });
  }

  request(subject: string, data: Uint8Array, timeoutMs: number, headers?: MsgHdrs): Promise<Msg | NoAnswer> {
    const token = (++this.seq).toString(36);
    return new Promise((resolve) => {
      this.pending.set(token, { resolve, deadline: Date.now() + timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}.${token}`, headers });
      } catch {
        // Closed or draining connection.
        this.pending.delete(token);
        return resolve('unavailable');
      }
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    });
  }

  private answer(err: NatsError | null, msg: Msg): void {
    if (err) return;
    const token = msg.subject.slice(this.prefix.length + 1);
    const waiting = this.pending.get(token);
    if (!waiting) return;
    this.pending.delete(token);
    waiting.resolve(msg.data.length === 0 && msg.headers?.code === 503 ? 'noResponders' : msg);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, waiting] of this.pending) {
      if (waiting.deadline > now) continue;
      this.pending.delete(token);
      waiting.resolve('timeout');
    }
    if (this.pending.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
