import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { requestFinalSubject, type RequestView } from '@cloudflow/contracts';
import { LOGGER, NatsConnectionOwner } from '@cloudflow/platform';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';
import type { RequestKey } from './requests.repository';

/** A waiting call reads the record again this often even without a word (core NATS may drop one). */
const BACKSTOP_MS = 2_000;

/**
 * `Prefer: wait` (issue 13): a call holds until its request is final. The gateway that records
 * the final answer (any replica: the request stream's consumer is shared) says so on the
 * request's own subject after the commit; a waiting call listens there, and reads the record
 * when told, and every 2 s in case a word was lost. Waiting calls are capped per gateway
 * (PREFER_WAIT_MAX_CALLS); past the cap a call is answered as if it had not asked to wait.
 */
@Injectable()
export class RequestFinals implements BeforeApplicationShutdown {
  private waiting = 0;
  private closing = false;
  /** Wakes each call now sleeping between reads (shutdown ends them all). */
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly nats: NatsConnectionOwner,
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Tells waiting calls on any gateway that these requests are final (after their commit). */
  announce(keys: Iterable<RequestKey>): void {
    const list = [...keys];
    if (!list.length) return;
    void this.nats
      .connection()
      .then((nc) => {
        for (const key of list) nc.publish(requestFinalSubject(keyHash(key)));
      })
      .catch((err: unknown) => this.logger.debug({ err }, 'final words not sent; waiting calls read again'));
  }

  /** Shutdown: waiting calls answer now with what they have (202, or the record as it is). */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const wake of [...this.sleepers]) wake();
  }

  /** A place among the waiting calls, or false at the cap. Give it back with `release`. */
  hold(): boolean {
    if (this.closing || this.waiting >= this.config.PREFER_WAIT_MAX_CALLS) return false;
    this.waiting++;
    return true;
  }

  /** Shutting down: a waiting call answers with what it has. */
  get shuttingDown(): boolean {
    return this.closing;
  }

  release(): void {
    this.waiting = Math.max(0, this.waiting - 1);
  }

  /**
   * `read` until it answers a final view or `ms` pass: undefined then. Listens before the first
   * read, so a request that becomes final in between is not missed.
   */
  async until(
    key: RequestKey,
    ms: number,
    read: () => Promise<RequestView>,
  ): Promise<RequestView | undefined> {
    const deadline = Date.now() + ms;
    let wake: (() => void) | undefined;
    let told = false;
    const nc = await this.nats.connection().catch(() => undefined);
    const sub = nc?.subscribe(requestFinalSubject(keyHash(key)), {
      callback: () => {
        told = true;
        wake?.();
      },
    });
    try {
      if (nc) await nc.flush().catch(() => undefined); // the server knows of the interest before the first read
      for (;;) {
        told = false;
        const view = await read();
        if (isFinal(view)) return view;
        const rest = deadline - Date.now();
        if (rest <= 0 || this.closing) return undefined;
        if (told) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => wake!(), Math.min(rest, BACKSTOP_MS));
          wake = () => {
            clearTimeout(timer);
            this.sleepers.delete(wake!);
            resolve();
          };
          this.sleepers.add(wake);
        });
        wake = undefined;
      }
    } finally {
      sub?.unsubscribe();
    }
  }
}

/** Final for a waiting call: anything but "on its way" (a late answer may still follow connectionLost). */
export function isFinal(view: RequestView): boolean {
  return view.status !== 'dispatched';
}

function keyHash({ tenantId, accountId, requestId }: RequestKey): string {
  return createHash('sha256')
    .update(`${tenantId}\u0000${accountId}\u0000${requestId}`)
    .digest('base64url')
    .slice(0, 32);
}
