import { Inject, Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  eventFrame,
  OPTIONAL_EVENT_TYPES,
  pushedEventProblem,
  pushedEventsSubject,
  type CloudFlowMessage,
  type OptionalEventType,
  type PushedEvent,
} from '@cloudflow/contracts';
import { LOGGER, NatsConnectionOwner } from '@cloudflow/platform';
import type { Subscription } from 'nats';
import type { Logger } from 'pino';
import type { Connection } from '../connections/connection';

interface AccountFeed {
  subscription?: Subscription;
  /** Each subscribed socket of the account here, with the kinds it asked for. */
  sockets: Map<Connection, ReadonlySet<OptionalEventType>>;
}

const utf8 = new TextDecoder();

/**
 * POS sockets that asked for the account's events with a `subscribe` frame (issue 14). The hub
 * listens on an account's subject (pushedEventsSubject, where the gateway that recorded an event
 * announces it after the commit) only while one of its sockets here subscribes, and writes each
 * event to the sockets that asked for its kind. A live view, at most once; the feed has the rest.
 */
@Injectable()
export class EventSubscriptions {
  private readonly accounts = new Map<string, AccountFeed>();

  constructor(
    private readonly nats: NatsConnectionOwner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A `subscribe` frame: the kinds replace the socket's earlier ones; none ends its subscription. */
  async subscribe(conn: Connection, frame: CloudFlowMessage): Promise<void> {
    const kinds = wantedKinds(frame.payload);
    if (kinds instanceof CloudFlowError)
      return conn.sendException(kinds.code, kinds.message, frame.requestId);
    const { tenantId, accountId } = conn.identity;
    const key = `${tenantId}\u0000${accountId}`;
    if (kinds.size === 0) this.unsubscribe(conn);
    else {
      let feed = this.accounts.get(key);
      if (!feed) {
        feed = { sockets: new Map() };
        this.accounts.set(key, feed);
      }
      feed.sockets.set(conn, kinds);
      if (!feed.subscription) {
        try {
          const nc = await this.nats.connection();
          feed.subscription = nc.subscribe(pushedEventsSubject(tenantId, accountId), {
            callback: (err, msg) => {
              if (!err) this.deliver(key, msg.data);
            },
          });
        } catch (err) {
          this.logger.warn({ err }, 'could not subscribe to the account events');
          feed.sockets.delete(conn);
          return conn.sendException(ErrorCode.failed, 'Could not subscribe now; try again', frame.requestId);
        }
      }
    }
    conn.sendAck(frame.requestId);
  }

  /** The socket closed (or subscribed to nothing): the account's subscription goes with its last socket. */
  unsubscribe(conn: Connection): void {
    const key = `${conn.identity.tenantId}\u0000${conn.identity.accountId}`;
    const feed = this.accounts.get(key);
    if (!feed?.sockets.delete(conn) || feed.sockets.size > 0) return;
    feed.subscription?.unsubscribe();
    this.accounts.delete(key);
  }

  private deliver(key: string, data: Uint8Array): void {
    const feed = this.accounts.get(key);
    if (!feed) return;
    let value: unknown;
    try {
      value = JSON.parse(utf8.decode(data));
    } catch {
      value = undefined;
    }
    // Validated like every bus message: the body goes to POS sockets as it is.
    const problem = pushedEventProblem(value);
    const event = value as PushedEvent;
    if (problem || `${event.tenantId}\u0000${event.accountId}` !== key) {
      this.logger.warn({ problem: problem ?? 'another account' }, 'unreadable pushed event dropped');
      return;
    }
    for (const [conn, kinds] of feed.sockets) {
      if (conn.closed || !kinds.has(event.body.type)) continue;
      conn.send(eventFrame(event.id, event.accountId, event.body)).catch(() => undefined);
    }
  }
}

/** `payload.events` of a subscribe frame: a list of the optional event kinds, each once. */
function wantedKinds(payload: Record<string, unknown>): ReadonlySet<OptionalEventType> | CloudFlowError {
  const events = payload.events;
  const known: readonly unknown[] = OPTIONAL_EVENT_TYPES;
  if (!Array.isArray(events) || events.length > known.length || !events.every((e) => known.includes(e)))
    return new CloudFlowError(
      ErrorCode.invalidData,
      `Invalid data: payload.events must list event kinds of ${OPTIONAL_EVENT_TYPES.join(', ')}`,
    );
  return new Set(events as OptionalEventType[]);
}
