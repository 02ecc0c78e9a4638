import { Injectable } from '@nestjs/common';
import type { UsageReportItem, UsageTotal } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';

interface TotalRow {
  id: string;
  used_today: number;
  usage_day: string;
}

/** Usage counters on auth.app_keys: one statement per batch, whatever the number of keys. */
@Injectable()
export class UsageRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Adds each item's count to its key's counter for the item's day. A newer day restarts the
   * counter; an older day (a batch that crossed midnight) is not added to the new day's count.
   * The items must name each key once. Returns the persisted totals of the keys that exist.
   */
  async add(items: UsageReportItem[]): Promise<UsageTotal[]> {
    if (items.length === 0) return [];
    // TypeORM answers an UPDATE … RETURNING with [rows, affected count].
    const [rows]: [TotalRow[], number] = await this.db.manager.query(
      `UPDATE "auth"."app_keys" AS k SET
          "used_today" = CASE
            WHEN k."usage_day" = u.day THEN k."used_today" + u.n
            WHEN k."usage_day" IS NULL OR k."usage_day" < u.day THEN u.n
            ELSE k."used_today" END,
          "usage_day" = GREATEST(k."usage_day", u.day),
          "last_used_at" = GREATEST(k."last_used_at", u.last_used_at)
        FROM unnest($1::uuid[], $2::date[], $3::int[], $4::timestamptz[]) AS u(id, day, n, last_used_at)
        WHERE k."id" = u.id
        RETURNING k."id", k."used_today", to_char(k."usage_day", 'YYYY-MM-DD') AS "usage_day"`,
      [
        items.map((i) => i.keyId),
        items.map((i) => i.day),
        items.map((i) => i.count),
        items.map((i) => i.lastUsedAt),
      ],
    );
    return rows.map((r) => ({ keyId: r.id, day: r.usage_day, usedToday: Number(r.used_today) }));
  }
}
