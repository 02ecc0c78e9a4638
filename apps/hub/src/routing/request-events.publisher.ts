import { Inject, Injectable } from '@nestjs/common';
import { maskPans, REQUEST_EVENTS, type CloudFlowMessage, type RequestEvent } from '@cloudflow/contracts';
import { CORRELATION_HEADER, currentCorrelationId, LOGGER, NatsConnectionOwner, ensureRequestEventsStream } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import { headers, JSONCodec, type PubAck } from 'nats';
import type { Logger } from 'pino';
import type { Connection } from '../connections/connection';
import { HubConfig } from '../hub.config';
import { InboxRequests } from '../nats/inbox-requests';

const codec = JSONCodec<RequestEvent>();
const utf8 = new TextDecoder();
const ACK_TIMEOUT_MS = 5000;
/** JetStream's de-duplication header (what `js.publish(…, { msgID })` sets). */
const MSG_ID_HEADER = 'Nats-Msg-Id';

interface Queued {
  event: RequestEvent;
  /** The correlation id of what caused the event (the POS's request, a bus message), for the recorder's logs. */
  correlationId?: string;
  done: (accepted: boolean) => void;
}

/** `eventId` when the event must be recognisable as a duplicate (a device frame: see event-id.ts); a fresh one otherwise. */
export type RequestEventInput = Pick<RequestEvent, 'kind' | 'mode' | 'requestId' | 'index' | 'origin'> & { message: CloudFlowMessage; eventId?: string };

/**
 * Publishes what the gateways must record to the durable request stream (REQUEST_EVENTS). One
 * queue per device connection keeps a socket's events in order without holding up the socket;
 * each publish waits for JetStream's ack and is retried (same event id: the stream drops
 * duplicates), so a short NATS hiccup loses nothing. The promise says whether the stream took
 * the event: a device's final answer is acknowledged to the device only then, and one the
 * stream kept refusing is resent by the device (it is never acked). What goes to the stream has
 * its card numbers masked (the frame relayed to the POS is not touched). The publish is `js.publish` done by hand
 * (message-id header, PubAck on our own inbox) because nats.js's request path cost the device's
 * hub a few percent of CPU per event in the bench profile.
 */
@Injectable()
export class RequestEventsPublisher {
  private inbox?: Promise<InboxRequests>;
  /** Per device socket, the events waiting behind the one in flight (one at a time keeps their order). */
  private readonly queues = new WeakMap<Connection, Queued[]>();
  /** Set once the stream is known to exist; until then, and after a failure, `client()` re-checks. */
  private ready?: InboxRequests;
  /** One inbox subscription for the process's lifetime (the NATS connection is shared and reconnects itself). */
  private requests?: InboxRequests;

  constructor(
    private readonly nats: NatsConnectionOwner,
    private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  publish(conn: Connection, input: RequestEventInput): Promise<boolean> {
    const { tenantId, accountId, referenceId } = conn.identity;
    const { message, eventId, ...rest } = input;
    const event: RequestEvent = {
      eventId: eventId ?? randomUUID(),
      tenantId,
      accountId,
      target: referenceId!,
      connId: conn.id,
      at: new Date().toISOString(),
      ...rest,
      // Envelope ids stay as they are (the recorder keys on them); the payload is what carries card data.
      message: { ...message, payload: maskPans(message.payload) },
    };
    const correlationId = currentCorrelationId();
    return new Promise<boolean>((resolve) => {
      const waiting = this.queues.get(conn);
      if (waiting) return void waiting.push({ event, correlationId, done: resolve });
      // Nothing of this socket's in flight: publish now (synchronously once set up, so it shares a
      // socket write with whatever the caller publishes next), then the queue behind it in order.
      const queue: Queued[] = [];
      this.queues.set(conn, queue);
      void this.drain(conn, queue, { event, correlationId, done: resolve });
    });
  }

  private async drain(conn: Connection, queue: Queued[], first: Queued): Promise<void> {
    for (let item: Queued | undefined = first; item; item = queue.shift()) item.done(await this.send(item.event, item.correlationId));
    this.queues.delete(conn);
  }

  private async send(event: RequestEvent, correlationId: string | undefined): Promise<boolean> {
    const data = codec.encode(event);
    const giveUpAt = Date.now() + this.config.STREAM_PUBLISH_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        // No await before the publish when set up: see publish().
        const inbox = this.ready ?? (await this.client());
        const h = headers();
        h.set(MSG_ID_HEADER, event.eventId);
        if (correlationId) h.set(CORRELATION_HEADER, correlationId);
        const reply = await inbox.request(REQUEST_EVENTS.subject, data, ACK_TIMEOUT_MS, h);
        if (typeof reply === 'string') throw new Error(`no stream acknowledgement (${reply})`);
        const ack = JSON.parse(utf8.decode(reply.data)) as Partial<PubAck> & { error?: { description?: string } };
        if (ack.error || typeof ack.seq !== 'number') throw new Error(`stream refused the event: ${ack.error?.description ?? 'no sequence'}`);
        return true;
      } catch (err) {
        // Re-check the stream (it may have been lost with a NATS restart) before the next try.
        this.inbox = undefined;
        this.ready = undefined;
        const pause = Math.min(100 * attempt, 1000);
        if (Date.now() + pause >= giveUpAt) {
          // Never the payload: it may carry card data. A final answer is not lost with it: it was not acked, so the device resends it.
          this.logger.error({ err, requestId: event.requestId, eventId: event.eventId, type: event.message.type }, 'the stream did not take a request event');
          return false;
        }
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  private client(): Promise<InboxRequests> {
    this.inbox ??= this.nats.connection().then(async (nc) => {
      await ensureRequestEventsStream(nc, this.nats.jetStreamReplicas);
      this.ready = this.requests ??= new InboxRequests(nc);
      return this.ready;
    });
    return this.inbox;
  }
}
