import { Inject, Injectable } from '@nestjs/common';
import { REQUEST_EVENTS } from '@cloudflow/contracts';
import {
  LOGGER,
  MetricsService,
  NatsConnectionOwner,
  RequestOutcomeMetrics,
  type RequestOutcome,
} from '@cloudflow/platform';
import type { ConsumerInfo, JetStreamManager, NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';

/** A scrape reads the consumer's state at most this often (every replica reports the same consumer). */
const LAG_MAX_AGE_MS = 2_000;
/** A scrape never waits longer than this for JetStream: the last known values are served then. */
const LAG_TIMEOUT_MS = 1_000;

/**
 * The gateway's request metrics (README, "Metrics"): async outcomes, counted where the gateway
 * decides them (once per request, whatever replica), and the lag of the request-event stream's
 * shared durable consumer, read from JetStream's consumer info when scraped (one small NATS
 * request, at most every 2 s; nothing on the payment path).
 */
@Injectable()
export class RequestMetrics {
  private readonly outcomes: RequestOutcomeMetrics;
  private info?: { at: number; pending: number; ackPending: number; redelivered: number };
  private reading?: Promise<void>;
  private jsm?: { nc: NatsConnection; jsm: JetStreamManager };

  constructor(
    metrics: MetricsService,
    private readonly nats: NatsConnectionOwner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const { registry } = metrics;
    this.outcomes = new RequestOutcomeMetrics(registry, 'async');
    const read = () => this.fresh();
    new Gauge({
      name: 'cloudflow_request_events_pending_messages',
      help: 'Request-stream messages not yet delivered to the gateways (the shared consumer, the same on every gateway)',
      registers: [registry],
      async collect() {
        const info = await read();
        if (info) this.set(info.pending);
      },
    });
    new Gauge({
      name: 'cloudflow_request_events_ack_pending_messages',
      help: 'Request-stream messages delivered to a gateway and not yet recorded and acknowledged (the shared consumer)',
      registers: [registry],
      async collect() {
        const info = await read();
        if (info) this.set(info.ackPending);
      },
    });
    new Gauge({
      name: 'cloudflow_request_events_redelivered_messages',
      help: 'Messages of the shared consumer delivered more than once and still unacknowledged',
      registers: [registry],
      async collect() {
        const info = await read();
        if (info) this.set(info.redelivered);
      },
    });
  }

  /** An async request's outcome, decided by this gateway (its first final status, or refused at POST). */
  asyncOutcome(type: string, status: RequestOutcome): void {
    this.outcomes.count(type, status);
  }

  /** The consumer's state, read again when older than LAG_MAX_AGE_MS; the three gauges of one scrape share one read. */
  private async fresh(): Promise<RequestMetrics['info']> {
    if (!this.info || Date.now() - this.info.at > LAG_MAX_AGE_MS) {
      this.reading ??= this.readInfo().finally(() => (this.reading = undefined));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.reading,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, LAG_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    return this.info;
  }

  private async readInfo(): Promise<void> {
    try {
      const nc = await this.nats.connection();
      if (this.jsm?.nc !== nc) this.jsm = { nc, jsm: await nc.jetstreamManager({ checkAPI: false }) };
      const info: ConsumerInfo = await this.jsm.jsm.consumers.info(
        REQUEST_EVENTS.stream,
        REQUEST_EVENTS.durable,
      );
      this.info = {
        at: Date.now(),
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    } catch (err) {
      // NATS down or the consumer not made yet: the gauges keep their last values (or stay absent).
      this.logger.debug({ err }, 'request-event consumer info unavailable for metrics');
    }
  }
}
