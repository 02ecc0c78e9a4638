import { REQUEST_EVENTS } from '@cloudflow/contracts';
import { splitNatsUrl } from '@cloudflow/platform';
import { connect } from 'nats';

/**
 * Waits until the gateways have recorded every request event the hubs published (the shared
 * durable consumer has nothing pending or unacknowledged). The system records each sync payment
 * asynchronously; without this, recording work left over from one measured part would be
 * charged to whatever runs next (or to nobody) instead of to the payments that caused it.
 * Returns how long it waited.
 */
export async function drainRequestEvents(
  natsUrl: string,
  timeoutMs = 120_000,
  tlsCa?: string,
): Promise<number> {
  const started = Date.now();
  // natsUrl may carry the test user (libs/testing): nats.js itself ignores credentials in a URL.
  const nc = await connect({
    ...splitNatsUrl(natsUrl),
    name: 'bench-drain',
    ...(tlsCa ? { tls: { caFile: tlsCa } } : {}),
  });
  try {
    const jsm = await nc.jetstreamManager();
    for (;;) {
      const info = await jsm.consumers
        .info(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable)
        .catch(() => undefined);
      if (!info || (info.num_pending === 0 && info.num_ack_pending === 0)) return Date.now() - started;
      if (Date.now() - started > timeoutMs)
        throw new Error(
          `request events still pending after ${timeoutMs} ms: ${info.num_pending} + ${info.num_ack_pending} unacked`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await nc.close();
  }
}
