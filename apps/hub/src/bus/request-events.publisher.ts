import { Inject, Injectable } from '@nestjs/common';
import { maskPans, REQUEST_EVENTS, type CloudFlowMessage, type RequestEvent } from '@cloudflow/contracts';
import {
  CORRELATION_HEADER,
  currentCorrelationId,
  currentTraceparent,
  InboxRequests,
  LOGGER,
  NatsConnectionOwner,
  TRACEPARENT_HEADER,
  ensureRequestEventsStream,
} from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import { headers, type PubAck } from 'nats';
import type { Logger } from 'pino';
import type { Connection } from '../connections/connection';
import { HubConfig } from '../hub.config';
import { OrderedBatches } from './ordered-batches';

const utf8 = new TextDecoder();
const utf8out = new TextEncoder();
const ACK_TIMEOUT_MS = 5000;
/** JetStream's de-duplication header (what `js.publish(…, { msgID })` sets). */
const MSG_ID_HEADER = 'Nats-Msg-Id';

/** Events in one stream message at most, and their JSON size (NATS refuses payloads over max_payload, 1 MiB by default). */
const BATCH_MAX_EVENTS = 128;
const BATCH_MAX_CHARS = 256 * 1024;
/** Stream messages published and not yet acknowledged at once. */
const BATCHES_IN_FLIGHT = 2;

interface Encoded {
  event: RequestEvent;
  json: string;
  /** The correlation id of what caused the event (the POS's request, a bus message), carried when it travels alone. */
  correlationId?: string;
}

/** `eventId` when the event must be recognisable as a duplicate (a device frame: see routing/event-id.ts); a fresh one otherwise. */
export type RequestEventInput = Pick<RequestEvent, 'kind' | 'mode' | 'requestId' | 'index' | 'origin'> & {
  message: CloudFlowMessage;
  eventId?: string;
};

/**
 * Publishes what the gateways must record to the durable request stream (REQUEST_EVENTS). The
 * events of all sockets are batched (OrderedBatches): while a publish is on its way the next
 * events collect, and one stream message (a JSON array, REQUEST_EVENTS) carries them; one event
 * alone travels as before, a plain object whose message id is its event id. A device
 * connection's events stay in order. Each publish waits for JetStream's ack and is retried with
 * the same message id (the stream drops duplicates), so a short NATS hiccup loses nothing. The
 * promise says whether the stream took the event: a device's final answer is acknowledged to the
 * device only then, and one the stream kept refusing is resent by the device (it is never acked).
 * What goes to the stream has its card numbers masked (the frame relayed to the POS is not
 * touched). The publish is `js.publish` done by hand (message-id header, PubAck on our own inbox)
 * because nats.js's request path cost the device's hub a few percent of CPU per event.
 */
@Injectable()
export class RequestEventsPublisher {
  private inbox?: Promise<InboxRequests>;
  /** Set once the stream is known to exist; until then, and after a failure, `client()` re-checks. */
  private ready?: InboxRequests;
  /** One inbox subscription for the process's lifetime (the NATS connection is shared and reconnects itself). */
  private requests?: InboxRequests;
  private readonly batches = new OrderedBatches<Connection, Encoded>((items) => this.send(items), {
    maxInFlight: BATCHES_IN_FLIGHT,
    maxItems: BATCH_MAX_EVENTS,
    maxSize: BATCH_MAX_CHARS,
  });

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
      // The span that produced it (the device message, the delivery): recorded as its child.
      traceparent: currentTraceparent(),
    };
    const json = JSON.stringify(event);
    // A start leaves as soon as it did unbatched (the turn the device got the request): a hub
    // killed right after the write must not take the request's only record with it.
    return this.batches.add(
      conn,
      { event, json, correlationId: currentCorrelationId() },
      json.length,
      event.kind === 'start',
    );
  }

  private async send(items: Encoded[]): Promise<boolean> {
    const alone = items.length === 1 ? items[0] : undefined;
    const data = utf8out.encode(alone ? alone.json : `[${items.map((i) => i.json).join(',')}]`);
    const msgId = alone ? alone.event.eventId : randomUUID();
    const giveUpAt = Date.now() + this.config.STREAM_PUBLISH_TIMEOUT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const inbox = this.ready ?? (await this.client());
        const h = headers();
        h.set(MSG_ID_HEADER, msgId);
        if (alone?.correlationId) h.set(CORRELATION_HEADER, alone.correlationId);
        if (alone?.event.traceparent) h.set(TRACEPARENT_HEADER, alone.event.traceparent);
        const reply = await inbox.request(REQUEST_EVENTS.subject, data, ACK_TIMEOUT_MS, h);
        if (typeof reply === 'string') throw new Error(`no stream acknowledgement (${reply})`);
        const ack = JSON.parse(utf8.decode(reply.data)) as Partial<PubAck> & {
          error?: { description?: string };
        };
        if (ack.error || typeof ack.seq !== 'number')
          throw new Error(`stream refused the events: ${ack.error?.description ?? 'no sequence'}`);
        return true;
      } catch (err) {
        // Re-check the stream (it may have been lost with a NATS restart) before the next try.
        this.inbox = undefined;
        this.ready = undefined;
        const pause = Math.min(100 * attempt, 1000);
        if (Date.now() + pause >= giveUpAt) {
          // Never the payloads: they may carry card data. A final answer is not lost with them: it was not acked, so the device resends it.
          const events = items.map(({ event }) => ({
            requestId: event.requestId,
            eventId: event.eventId,
            type: event.message.type,
          }));
          this.logger.error({ err, events }, 'the stream did not take request events');
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
