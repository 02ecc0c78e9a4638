import { Inject, Injectable } from '@nestjs/common';
import { EVENTS, type EventMap, type EventSubject } from '@cloudflow/contracts';
import { Broadcasts, LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';

/** How long a change waits for NATS to take its broadcast before answering anyway. */
const PUBLISH_WAIT_MS = 2000;

/**
 * Tells gateways and hubs that relay data changed. Called after the change is committed: a
 * broadcast that cannot go out (NATS down) is logged, never turned into an error, because the
 * change itself has happened and caches expire on their own.
 */
@Injectable()
export class RelayEventsPublisher {
  constructor(
    private readonly broadcasts: Broadcasts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** An account or device was created, changed or deleted: cached copies are stale. */
  changed(tenantId: string, accountId: string, referenceId?: string): Promise<void> {
    return this.publish(
      EVENTS.relayDataChanged,
      referenceId === undefined ? { tenantId, accountId } : { tenantId, accountId, referenceId },
    );
  }

  /** A device was disabled: hubs close its socket (4401) and caches drop its credential. */
  deviceDisabled(tenantId: string, accountId: string, referenceId: string): Promise<void> {
    return this.publish(EVENTS.accessRevoked, { tenantId, accountId, referenceId, scope: 'device' });
  }

  private async publish<E extends EventSubject>(subject: E, event: EventMap[E]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`NATS did not take the broadcast within ${PUBLISH_WAIT_MS} ms`)),
        PUBLISH_WAIT_MS,
      );
    });
    try {
      await Promise.race([this.broadcasts.publish(subject, event), timedOut]);
    } catch (err) {
      this.logger.warn({ err, subject, event }, 'relay broadcast not sent; caches will expire on their own');
    } finally {
      clearTimeout(timer);
    }
  }
}
