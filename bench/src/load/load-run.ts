import { summarize, type LatencySummary } from '../support/stats';
import type { LoadClient, PaymentOutcome } from './load-client';

export interface LoadSpec {
  /** Payments in flight at once, each to a different device. */
  concurrency: number;
  /** Payments sent (and answered) before measuring starts. */
  warmup: number;
  /** Payments measured. */
  count: number;
  /** What a measured answer must be to count as a success. */
  expect?: string;
}

export interface LoadResult {
  concurrency: number;
  wallMs: number;
  /** Successful round trips per second over the measured part. */
  throughput: number;
  latency: LatencySummary;
  /** How the measured payments ended, e.g. {"paymentResponse:FULFILLED": 1000}. */
  results: Record<string, number>;
  failures: number;
  /** CPU milliseconds per successful request, per process and in total. */
  cpuMsPerRequest: Record<string, number>;
  /** After the last answer, how long the system needed to finish its asynchronous work (counted in the CPU, not the wall time). */
  drainMs: number;
  /** Payments the target recorded during the measured part (its `recorded` counter after − before), when it counts them. */
  recorded?: number;
}

/** CPU time in ms of each measured process (summed into "total" by the caller of the delta). */
export type CpuSampler = () => Record<string, number>;

/**
 * Drives `concurrency` payment loops; slot i sends from POS socket i to its own devices only
 * (device d belongs to slot d mod concurrency), so no device ever has two requests in flight.
 */
export async function runLoad(
  clients: readonly LoadClient[],
  devices: readonly string[],
  spec: LoadSpec,
  sampleCpu: CpuSampler,
  /** Waits until the target finished the work the payments left behind (0 ms when it has none). */
  settle: () => Promise<number> = () => Promise.resolve(0),
  /** How many payments the target has recorded so far (read outside the CPU window). */
  recorded?: () => Promise<number>,
): Promise<LoadResult> {
  const { concurrency } = spec;
  if (devices.length < concurrency || clients.length < concurrency)
    throw new Error(`need ${concurrency} devices and POS sockets`);
  const expect = spec.expect ?? 'paymentResponse:FULFILLED';
  const slots = Array.from({ length: concurrency }, (_, slot) =>
    devices.filter((_d, i) => i % concurrency === slot),
  );

  const drive = async (total: number) => {
    const outcomes: PaymentOutcome[] = [];
    let issued = 0;
    await Promise.all(
      slots.map(async (mine, slot) => {
        for (let k = 0; issued < total; k++) {
          issued++;
          outcomes.push(await clients[slot].pay(mine[k % mine.length]));
        }
      }),
    );
    return outcomes;
  };

  await drive(spec.warmup);
  await settle();
  const recordedBefore = await recorded?.();
  const cpuBefore = sampleCpu();
  const started = process.hrtime.bigint();
  const outcomes = await drive(spec.count);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const drainMs = await settle();
  const cpuAfter = sampleCpu();
  const recordedAfter = await recorded?.();

  const results: Record<string, number> = {};
  for (const o of outcomes) results[o.result] = (results[o.result] ?? 0) + 1;
  const ok = outcomes.filter((o) => o.result === expect);
  const cpuMsPerRequest: Record<string, number> = {};
  let total = 0;
  for (const [name, after] of Object.entries(cpuAfter)) {
    const used = after - (cpuBefore[name] ?? 0);
    total += used;
    cpuMsPerRequest[name] = used / Math.max(1, ok.length);
  }
  cpuMsPerRequest.total = total / Math.max(1, ok.length);
  return {
    concurrency,
    wallMs,
    throughput: (ok.length * 1000) / wallMs,
    latency: summarize(ok.map((o) => o.ms)),
    results,
    failures: outcomes.length - ok.length,
    cpuMsPerRequest,
    drainMs,
    ...(recordedBefore !== undefined && recordedAfter !== undefined
      ? { recorded: recordedAfter - recordedBefore }
      : {}),
  };
}
