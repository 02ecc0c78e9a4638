import { Inject, Injectable } from '@nestjs/common';
import { pushedEventsSubject, type PushedEvent } from '@cloudflow/contracts';
import { LOGGER, NatsConnectionOwner } from '@cloudflow/platform';
import type { Logger } from 'pino';

/**
 * After the commit: each announced event to the account's own subject, where a hub holding a POS
 * socket that subscribed to it listens (the websocket subscribe frame). Core NATS, at most once:
 * a socket is a live view; the feed is where a POS catches up on what it missed.
 */
@Injectable()
export class EventPush {
  constructor(
    private readonly nats: NatsConnectionOwner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  send(events: PushedEvent[]): void {
    if (events.length === 0) return;
    void this.nats
      .connection()
      .then((nc) => {
        for (const event of events)
          nc.publish(pushedEventsSubject(event.tenantId, event.accountId), JSON.stringify(event));
      })
      .catch((err: unknown) => this.logger.debug({ err }, 'pushed events not sent'));
  }
}
