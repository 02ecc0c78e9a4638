import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ReadinessService } from '../health/readiness.service';

/**
 * Counts HTTP requests being answered, so a draining service (SIGTERM) can let them finish
 * before it closes its connections to NATS and Postgres (issue 9, hole 10).
 */
export class HttpInFlight {
  private count = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly readiness: ReadinessService) {}

  get size(): number {
    return this.count;
  }

  middleware() {
    return (_req: Request, res: Response, next: NextFunction) => {
      this.count++;
      // While draining, no connection is kept alive: the client's next request goes to another replica.
      if (this.readiness.draining) res.setHeader('Connection', 'close');
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.count--;
        if (this.count === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      };
      res.once('finish', finish);
      res.once('close', finish);
      next();
    };
  }

  /** Resolves when nothing is in flight, or after `ms` (false then). */
  idle(ms: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** SIGTERM/SIGINT: not ready at once, in-flight requests finish (within `graceMs`), then close and exit. */
  drainOnSignals(app: INestApplication, logger: Logger, graceMs: number): void {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (draining) return;
      draining = true;
      this.readiness.startDraining();
      logger.info(
        { signal, inFlight: this.count, graceMs },
        'draining: not ready, finishing in-flight requests',
      );
      void (async () => {
        const finished = await this.idle(graceMs);
        if (!finished)
          logger.warn({ inFlight: this.count }, 'drain grace over; closing with requests still in flight');
        // Closing must not hang the exit for ever (a stuck dependency): bounded like the grace.
        const closed = await Promise.race([
          close().then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), 10_000).unref()),
        ]).catch(() => false);
        logger.info({ closed }, 'drained; exiting');
        process.exit(0);
      })();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    // An app closed some other way (tests run services in-process) leaves no listeners behind.
    const close = app.close.bind(app);
    app.close = async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      await close();
    };
  }
}
