import { Injectable } from '@nestjs/common';
import { CANCELLED_OUTCOME, ErrorCode, type CloudFlowMessage, type RequestMode } from '@cloudflow/contracts';
import { MetricsService, RequestOutcomeMetrics, type RequestOutcome } from '@cloudflow/platform';
import { hostname } from 'node:os';
import { Gauge, Histogram } from 'prom-client';
import { ConnectionRegistry } from './connections/connection.registry';
import { HubConfig } from './hub.config';

/**
 * The hub's operator metrics (README, "Metrics"): sync request outcomes (counted here, at the
 * POS's hub), the device round trip (at the device's hub) and the sockets held, per hub. Counting
 * is synchronous and allocation-free on the payment path; the socket gauge is computed on scrape.
 */
@Injectable()
export class HubMetrics {
  private readonly requests: RequestOutcomeMetrics;
  private readonly roundTrip: Histogram<'mode'>;
  private readonly roundTripOf: Record<RequestMode, { observe(seconds: number): void }>;

  constructor(metrics: MetricsService, registry: ConnectionRegistry, config: HubConfig) {
    const { registry: r } = metrics;
    this.requests = new RequestOutcomeMetrics(r, 'sync');
    this.roundTrip = new Histogram({
      name: 'cloudflow_device_round_trip_seconds',
      help: "From a request's write to the device's socket to the device's final answer, by mode",
      labelNames: ['mode'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 150],
      registers: [r],
    });
    this.roundTripOf = { sync: this.roundTrip.labels('sync'), async: this.roundTrip.labels('async') };
    // One series per hub process and kind (INSTANCE_ID, as in the logs): bounded by the hubs.
    const hub = config.INSTANCE_ID ?? `${hostname()}:${process.pid}`;
    new Gauge({
      name: 'cloudflow_hub_sockets',
      help: 'Websockets this hub holds, by kind (device includes the simulated terminals it hosts)',
      labelNames: ['hub', 'kind'],
      registers: [r],
      collect() {
        let devices = 0;
        let clients = 0;
        for (const conn of registry.all()) {
          if (conn.identity.kind === 'device') devices++;
          else clients++;
        }
        this.set({ hub, kind: 'device' }, devices);
        this.set({ hub, kind: 'client' }, clients);
      },
    });
  }

  /** A websocket request ended for its POS with `status` (once per request, at the POS's hub). */
  syncOutcome(type: string, status: RequestOutcome): void {
    this.requests.count(type, status);
  }

  /** The POS's final frame as an outcome: the device's answer, or the device's hub's connectionLost. */
  syncFinal(type: string, frame: CloudFlowMessage): void {
    this.requests.count(type, outcomeOfFinal(frame));
  }

  /** The device answered a request written to its socket at `writtenAt` (ms) with its final frame. */
  deviceAnswered(mode: RequestMode, writtenAt: number): void {
    this.roundTripOf[mode].observe((Date.now() - writtenAt) / 1000);
  }
}

/**
 * As the gateway's record (request-status.ts): a flowException is `failed`, a final with the
 * cancelled outcome `cancelled`, any other `completed`; the connectionLost a device's hub sends
 * when the terminal's socket drops mid-request is `connectionLost`.
 */
export function outcomeOfFinal(frame: CloudFlowMessage): RequestOutcome {
  const payload = frame.payload as Record<string, unknown> | undefined;
  if (frame.type === 'flowException')
    return payload?.errorCode === ErrorCode.connectionLost ? 'connectionLost' : 'failed';
  return payload?.outcome === CANCELLED_OUTCOME ? 'cancelled' : 'completed';
}
