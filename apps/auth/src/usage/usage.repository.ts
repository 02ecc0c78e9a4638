import { Injectable } from '@nestjs/common';
import type { UsageQueryRequest, UsageReportItem, UsageRow, UsageTotal } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';

interface TotalRow {
  id: string;
  used_today: string;
  usage_day: string;
}

interface LedgerRow {
  period: string;
  key_id: string;
  developer_id: string;
  name: string | null;
  kind: string;
  api_group: UsageRow['group'];
  requests: string;
  payments_sync: string;
  payments_async: string;
}

/** How long usage is kept for billing: more than a year, so last year's invoices can be redone. */
export const USAGE_RETENTION_DAYS = 800;
/** How long a report id is remembered: far longer than any reporter keeps retrying one batch. */
export const REPORT_ID_RETENTION_DAYS = 7;

/**
 * The usage ledger (auth.usage_ledger, one row per key × UTC day × API group) and the daily
 * counter on auth.app_keys the limits read, both written by one transaction per report batch.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Adds each item to its (key, day, group) row, whatever the day: a batch that crossed
   * midnight adds to yesterday. A batch whose `reportId` was added before adds nothing. Then
   * every reported key's `used_today` becomes the ledger's request count of its latest day.
   * Returns the persisted totals of the keys that exist.
   */
  async add(items: UsageReportItem[], reportId?: string, source = ''): Promise<UsageTotal[]> {
    if (items.length === 0) return [];
    return this.db.transaction(async (m) => {
      const fresh =
        reportId === undefined ||
        (
          await m.query<Array<{ report_id: string }>>(
            `INSERT INTO "auth"."usage_reports" ("report_id", "source") VALUES ($1, $2)
              ON CONFLICT DO NOTHING RETURNING "report_id"`,
            [reportId, source.slice(0, 200)],
          )
        ).length === 1;
      if (fresh) {
        // Only keys that exist; grouped in SQL so two items of one row in a batch both count.
        await m.query(
          `INSERT INTO "auth"."usage_ledger" AS l ("key_id", "day", "api_group", "requests", "payments_sync", "payments_async")
             SELECT u.id, u.day, u.api_group, sum(u.n), sum(u.ps), sum(u.pa)
               FROM unnest($1::uuid[], $2::date[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
                    AS u(id, day, api_group, n, ps, pa)
               JOIN "auth"."app_keys" k ON k."id" = u.id
              GROUP BY u.id, u.day, u.api_group
           ON CONFLICT ("key_id", "day", "api_group") DO UPDATE SET
             "requests" = l."requests" + EXCLUDED."requests",
             "payments_sync" = l."payments_sync" + EXCLUDED."payments_sync",
             "payments_async" = l."payments_async" + EXCLUDED."payments_async",
             "updated_at" = now()`,
          [
            items.map((i) => i.keyId),
            items.map((i) => i.day),
            items.map((i) => i.group ?? 'client'),
            items.map((i) => i.count),
            items.map((i) => i.paymentsSync ?? 0),
            items.map((i) => i.paymentsAsync ?? 0),
          ],
        );
      }
      const [rows]: [TotalRow[], number] = await m.query(
        `UPDATE "auth"."app_keys" AS k SET
            "usage_day" = GREATEST(k."usage_day", u.day),
            "used_today" = COALESCE((SELECT sum(l."requests") FROM "auth"."usage_ledger" l
                                      WHERE l."key_id" = k."id" AND l."day" = GREATEST(k."usage_day", u.day)), 0),
            "last_used_at" = GREATEST(k."last_used_at", u.last_used_at)
          FROM (SELECT v.id, max(v.day) AS day, max(v.last_used_at) AS last_used_at
                  FROM unnest($1::uuid[], $2::date[], $3::timestamptz[]) AS v(id, day, last_used_at)
                 GROUP BY v.id) AS u
          WHERE k."id" = u.id
          RETURNING k."id", k."used_today", to_char(k."usage_day", 'YYYY-MM-DD') AS "usage_day"`,
        [items.map((i) => i.keyId), items.map((i) => i.day), items.map((i) => i.lastUsedAt)],
      );
      return rows.map((r) => ({ keyId: r.id, day: r.usage_day, usedToday: Number(r.used_today) }));
    });
  }

  /** Ledger rows of [from, to] (UTC days, inclusive) per key, API group and day or month. */
  async query(q: UsageQueryRequest): Promise<UsageRow[]> {
    const period = q.groupBy === 'month' ? `to_char(l."day", 'YYYY-MM')` : `to_char(l."day", 'YYYY-MM-DD')`;
    const rows: LedgerRow[] = await this.db.manager.query(
      `SELECT ${period} AS period, l."key_id", k."developer_id", k."name", k."kind", l."api_group",
              sum(l."requests") AS requests, sum(l."payments_sync") AS payments_sync,
              sum(l."payments_async") AS payments_async
         FROM "auth"."usage_ledger" l JOIN "auth"."app_keys" k ON k."id" = l."key_id"
        WHERE l."day" BETWEEN $1::date AND $2::date
          AND ($3::uuid[] IS NULL OR k."developer_id" = ANY($3::uuid[]))
          AND ($4::uuid[] IS NULL OR l."key_id" = ANY($4::uuid[]))
        GROUP BY 1, l."key_id", k."developer_id", k."name", k."kind", l."api_group"
        ORDER BY 1, k."developer_id", l."key_id", l."api_group"`,
      [q.from, q.to, q.developerIds ?? null, q.keyIds ?? null],
    );
    return rows.map((r) => ({
      period: r.period,
      keyId: r.key_id,
      developerId: r.developer_id,
      keyName: r.name,
      keyKind: r.kind,
      group: r.api_group,
      requests: Number(r.requests),
      paymentsSync: Number(r.payments_sync),
      paymentsAsync: Number(r.payments_async),
    }));
  }

  /** Drops ledger rows past retention and report ids no reporter can still resend. */
  async prune(now = new Date()): Promise<void> {
    await this.db.manager.query(`DELETE FROM "auth"."usage_ledger" WHERE "day" < ($1::date - $2::int)`, [
      now.toISOString().slice(0, 10),
      USAGE_RETENTION_DAYS,
    ]);
    await this.db.manager.query(
      `DELETE FROM "auth"."usage_reports" WHERE "received_at" < $1::timestamptz - make_interval(days => $2::int)`,
      [now.toISOString(), REPORT_ID_RETENTION_DAYS],
    );
  }
}
