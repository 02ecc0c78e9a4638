import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: the usage ledger billing reads, one row per (APP key, UTC day, API group), and the
 * ids of the report batches already added (a batch resent after a lost answer counts once).
 * No foreign key to app_keys: a deleted key's history is still billable.
 */
export class UsageLedger1733000000000 implements MigrationInterface {
  name = 'UsageLedger1733000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "auth"."usage_ledger" (
      "key_id" uuid NOT NULL,
      "day" date NOT NULL,
      "api_group" text NOT NULL,
      "requests" bigint NOT NULL DEFAULT 0,
      "payments_sync" bigint NOT NULL DEFAULT 0,
      "payments_async" bigint NOT NULL DEFAULT 0,
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "usage_ledger_pkey" PRIMARY KEY ("key_id", "day", "api_group"),
      CONSTRAINT "usage_ledger_api_group_check" CHECK ("api_group" IN ('client', 'device', 'admin')))`);
    // Range scans over all keys for invoicing (the primary key serves one key's range).
    await q.query(`CREATE INDEX "usage_ledger_day_idx" ON "auth"."usage_ledger" ("day")`);
    await q.query(`CREATE TABLE "auth"."usage_reports" (
      "report_id" uuid NOT NULL,
      "source" text NOT NULL,
      "received_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "usage_reports_pkey" PRIMARY KEY ("report_id"))`);
    await q.query(`CREATE INDEX "usage_reports_received_at_idx" ON "auth"."usage_reports" ("received_at")`);
    // Today's counter of every key becomes its ledger row (the group was not recorded before).
    await q.query(`INSERT INTO "auth"."usage_ledger" ("key_id", "day", "api_group", "requests")
      SELECT "id", "usage_day", 'client', "used_today" FROM "auth"."app_keys"
       WHERE "usage_day" IS NOT NULL AND "used_today" > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "auth"."usage_reports"`);
    await q.query(`DROP TABLE "auth"."usage_ledger"`);
  }
}
