import { runLoad, type LoadResult } from '../load/load-run';
import { sleep } from '../support/async';
import type { DeviceKind, RelayTarget, TargetName } from './relay-targets';

export const CONCURRENCIES = [1, 16, 64] as const;
export type Mode = 'c1' | 'c16' | 'c64' | 'offline';

export interface RelaySizes {
  reps: number;
  warmup: Record<number, number>;
  count: Record<number, number>;
  offlineCount: number;
}

export interface RunRecord {
  kind: DeviceKind;
  rep: number;
  target: TargetName;
  mode: Mode;
  /** Position of this run in its pair (0: ran first) — the order alternates per repetition. */
  order: number;
  result: LoadResult;
}

/**
 * Every repetition runs the two targets (system and baseline, or one-node system and cluster) back to back at each concurrency, alternating which
 * goes first, so a slow patch of the machine (other tests share it) hits both sides alike and
 * the per-repetition ratios stay fair. Then the not-connected payment on both.
 */
export async function runRelayPhase(
  targets: [RelayTarget, RelayTarget],
  kind: DeviceKind,
  sizes: RelaySizes,
  log: (line: string) => void,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const t of targets) {
    await t.connectDevices(kind);
    await prime(t, log);
  }
  for (let rep = 1; rep <= sizes.reps; rep++) {
    const ordered = rep % 2 === 1 ? targets : ([targets[1], targets[0]] as const);
    for (const c of CONCURRENCIES) {
      for (const [order, t] of ordered.entries()) {
        const result = await runLoad(
          t.pos,
          t.devices,
          { concurrency: c, warmup: sizes.warmup[c], count: sizes.count[c] },
          t.cpu,
          () => t.settle(),
          t.recorded,
        );
        records.push({ kind, rep, target: t.name, mode: `c${c}` as Mode, order, result });
        log(`${kind} rep ${rep} ${t.name.padEnd(8)} c=${String(c).padEnd(2)} ${line(result)}`);
      }
    }
    for (const [order, t] of ordered.entries()) {
      const spec = {
        concurrency: 1,
        warmup: 10,
        count: sizes.offlineCount,
        expect: 'flowException:connectionLost',
      };
      const result = await runLoad(t.pos, [t.offlineDevice], spec, t.cpu, () => t.settle());
      records.push({ kind, rep, target: t.name, mode: 'offline', order, result });
      log(`${kind} rep ${rep} ${t.name.padEnd(8)} offline ${line(result)}`);
    }
  }
  for (const t of targets) await t.disconnectDevices();
  return records;
}

/** Pays every device once (retrying briefly): devices are routable and caches warm before timing. */
async function prime(t: RelayTarget, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 15_000;
  let pending = [...t.devices];
  while (pending.length && Date.now() < deadline) {
    const outcomes = await Promise.all(
      pending.map(async (d, i) => ({ d, o: await t.pos[i % t.pos.length].pay(d, 1000, 5000) })),
    );
    pending = outcomes.filter(({ o }) => o.result !== 'paymentResponse:FULFILLED').map(({ d }) => d);
    if (pending.length) await sleep(200);
  }
  if (pending.length)
    throw new Error(`${t.name}: ${pending.length} devices never answered a payment (e.g. ${pending[0]})`);
  log(`${t.name}: all ${t.devices.length} devices answer`);
}

function line(r: LoadResult): string {
  const f = (n: number) => n.toFixed(2);
  const fails = r.failures ? ` FAILURES ${JSON.stringify(r.results)}` : '';
  const rec = r.recorded === undefined ? '' : ` recorded ${r.recorded}`;
  return `${r.throughput.toFixed(0)}/s p50 ${f(r.latency.p50)} ms p99 ${f(r.latency.p99)} ms cpu ${f(r.cpuMsPerRequest.total)} ms/req drain ${r.drainMs} ms${rec}${fails}`;
}
