import type { RequestMode } from '@cloudflow/contracts';
import { Counter, type Registry } from 'prom-client';

/**
 * How a request ended, as `cloudflow_requests_total` counts it: the request record's final
 * statuses, plus `rejected` (refused before anything reached the terminal: not connected, busy,
 * disabled, unknown device, storage or messaging down, hub shutting down).
 */
export type RequestOutcome = 'completed' | 'failed' | 'cancelled' | 'connectionLost' | 'expired' | 'rejected';

type Mode = RequestMode;
type Labels = 'mode' | 'type' | 'status';

/**
 * `cloudflow_requests_total{mode,type,status}`: one count per request, where its outcome is
 * decided (sync: the POS's hub, on the final frame it writes to the client socket; async: the
 * gateway that records the request's first final status). Label values are bounded (2 × 2 × 6);
 * the labelled children are cached, so a count costs no label hashing on the payment path.
 */
export class RequestOutcomeMetrics {
  private readonly counter: Counter<Labels>;
  private readonly children = new Map<string, { inc(): void }>();

  constructor(
    registry: Registry,
    private readonly mode: Mode,
  ) {
    const existing = registry.getSingleMetric('cloudflow_requests_total') as Counter<Labels> | undefined;
    this.counter =
      existing ??
      new Counter({
        name: 'cloudflow_requests_total',
        help: 'Requests by mode (sync: websocket, async: REST), type and final outcome, counted once where decided',
        labelNames: ['mode', 'type', 'status'],
        registers: [registry],
      });
  }

  count(type: string, status: RequestOutcome): void {
    // Only the two request types exist (frames and bodies are validated before): anything else is a `request`.
    const t = type === 'payment' ? 'payment' : 'request';
    const key = `${t}\u0000${status}`;
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = this.counter.labels({ mode: this.mode, type: t, status })));
    child.inc();
  }
}
