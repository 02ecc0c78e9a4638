import { REPO_ROOT, renderReport, runCampaign, type Violation } from '@cloudflow/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Issue 9's short seeded fault campaign, part of `npm test`: 3 hubs, 2 gateways, NATS and
 * Postgres as real processes, 100 simulated devices in 4 accounts, a modest fixed rate of sync
 * and async payments (sized for 2 shared cores), and 2 minutes of random faults (hub kill and
 * SIGSTOP, gateway kill, NATS kill -9, Postgres outage, device drop / deaf / late). Fails on
 * any violation of I1–I4, I6, I7; the report and the history file say which and where.
 * CHAOS_SEED replays another seed; CHAOS_MINUTES changes the length.
 */
const seed = Number(process.env.CHAOS_SEED ?? 90_009);
const minutes = Number(process.env.CHAOS_MINUTES ?? 2);

describe('fault campaign (short, seeded)', () => {
  it(
    `keeps I1–I4, I6, I7 under ${minutes} minutes of random faults (seed ${seed})`,
    async () => {
      const out = join(REPO_ROOT, 'bench/out');
      mkdirSync(out, { recursive: true });
      const historyFile = join(out, `chaos-e2e-${seed}.jsonl`);
      const reportFile = join(out, `chaos-e2e-${seed}.md`);
      const result = await runCampaign({
        seed,
        faultMs: minutes * 60_000,
        devices: 100,
        accounts: 4,
        rate: 6,
        faultEveryMs: [3000, 6000],
        requestTimeoutSeconds: 10,
        historyFile,
      });
      writeFileSync(
        reportFile,
        renderReport(
          result,
          `CHAOS_SEED=${seed} CHAOS_MINUTES=${minutes} npx jest e2e/src/chaos.e2e.spec.ts`,
        ),
      );
      console.log(`chaos campaign seed ${seed}: report ${reportFile}, history ${historyFile}`);

      // The campaign must have done something, or 0 violations would prove nothing.
      expect(Object.values(result.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
      expect(result.requests.filter((r) => r.deliveries > 0).length).toBeGreaterThanOrEqual(100);
      const summary = (v: Violation) => `${v.invariant} ${v.requestId ?? '-'}: ${v.message}`;
      expect(result.violations.map(summary)).toEqual([]);
    },
    15 * 60_000,
  );
});
