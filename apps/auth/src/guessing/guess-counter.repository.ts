import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { isForgotten, secondsToWait, type GuessPolicy } from './guess.policy';

export interface CounterCharge {
  key: string;
  policy: GuessPolicy;
}

/**
 * Every query on auth.guess_counters. Postgres rather than NATS KV: auth already reads Postgres
 * on every password check, row locks make "check, then count" one atomic step across replicas
 * (KV would need a compare-and-set retry loop per key), and nats-server 2.9 has no per-key TTL
 * to forget counters by.
 */
@Injectable()
export class GuessCounterRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Counts one attempt on every key, unless one of them says wait: then nothing is counted and
   * the longest wait (seconds) is returned. Counting before the password is checked is what
   * makes concurrent guesses (on any replica) see each other: the row lock orders them.
   */
  charge(charges: CounterCharge[]): Promise<number> {
    const sorted = [...charges].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const keys = sorted.map((c) => c.key);
    return this.db.transaction(async (m) => {
      // Missing rows first, in key order like the locks below, so two attempts never deadlock.
      await m.query(
        `INSERT INTO "auth"."guess_counters" ("key", "failures", "last_at", "forget_at")
         SELECT k, 0, now(), now() FROM unnest($1::text[]) AS k ORDER BY k
         ON CONFLICT ("key") DO NOTHING`,
        [keys],
      );
      const rows: Array<{ key: string; failures: number; since: number }> = await m.query(
        `SELECT "key", "failures", EXTRACT(EPOCH FROM (now() - "last_at"))::float8 AS "since"
         FROM "auth"."guess_counters" WHERE "key" = ANY($1::text[]) ORDER BY "key" FOR UPDATE`,
        [keys],
      );
      const byKey = new Map(rows.map((r) => [r.key, { failures: r.failures, secondsSinceLast: r.since }]));
      const wait = Math.max(0, ...sorted.map((c) => secondsToWait(c.policy, byKey.get(c.key)!)));
      if (wait > 0) return wait;
      for (const c of sorted) {
        const state = byKey.get(c.key)!;
        await m.query(
          `UPDATE "auth"."guess_counters" SET "failures" = $2, "last_at" = now(),
             "forget_at" = now() + make_interval(secs => $3) WHERE "key" = $1`,
          [c.key, isForgotten(c.policy, state) ? 1 : state.failures + 1, c.policy.lockSeconds],
        );
      }
      return 0;
    });
  }

  /** Takes one counted attempt back (it succeeded, or never reached the password check). */
  async refund(keys: string[]): Promise<void> {
    if (!keys.length) return;
    await this.db.manager.query(
      `UPDATE "auth"."guess_counters" SET "failures" = GREATEST("failures" - 1, 0) WHERE "key" = ANY($1::text[])`,
      [keys],
    );
  }

  async clear(key: string): Promise<void> {
    await this.db.manager.query(`DELETE FROM "auth"."guess_counters" WHERE "key" = $1`, [key]);
  }

  /** Drops forgotten counters; every replica may run it, it is idempotent. */
  async sweep(): Promise<number> {
    const result: [unknown[], number] = await this.db.manager.query(
      `DELETE FROM "auth"."guess_counters" WHERE "forget_at" < now()`,
    );
    return result[1];
  }
}
