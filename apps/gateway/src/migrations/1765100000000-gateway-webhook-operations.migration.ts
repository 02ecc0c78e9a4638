import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, webhook operations: a redelivered row's fresh retry budget (its deadline counts from
 * `redelivered_at`, its backoff from the attempts made before it), when a row went dead (dead
 * rows are kept longer, for redelivery), and the receivers that are failing or disabled.
 */
export class GatewayWebhookOperations1765100000000 implements MigrationInterface {
  name = 'GatewayWebhookOperations1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" ADD "redelivered_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(
      `ALTER TABLE "gateway"."webhook_deliveries" ADD "attempts_before_redelivery" integer NOT NULL DEFAULT 0`,
    );
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" ADD "dead_at" TIMESTAMP WITH TIME ZONE`);
    // Rows already dead get the whole keeping time from now on.
    await q.query(`UPDATE "gateway"."webhook_deliveries" SET "dead_at" = now() WHERE "status" = 'dead'`);
    // The admin list reads one account's rows by status, newest first.
    await q.query(
      `CREATE INDEX "webhook_deliveries_account_status_idx" ON "gateway"."webhook_deliveries" ("account_id", "status", "created_at")`,
    );
    await q.query(`
      CREATE TABLE "gateway"."webhook_receivers" (
        "account_id" character varying(64) NOT NULL,
        "tenant_id" character varying(64) NOT NULL,
        "failing_since" TIMESTAMP WITH TIME ZONE NOT NULL,
        "last_error" character varying(500) NOT NULL,
        "last_error_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "disabled_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "webhook_receivers_pkey" PRIMARY KEY ("account_id")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."webhook_receivers"`);
    await q.query(`DROP INDEX "gateway"."webhook_deliveries_account_status_idx"`);
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" DROP COLUMN "dead_at"`);
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" DROP COLUMN "attempts_before_redelivery"`);
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" DROP COLUMN "redelivered_at"`);
  }
}
