import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The account's events (issue 14): the outbox rows are the events. Each gets its kind and a feed
 * position, and presence gets the table that makes one event per transition of a device.
 */
export class GatewayAccountEvents1765000000000 implements MigrationInterface {
  name = 'GatewayAccountEvents1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // Room for `device:<referenceId>` (a referenceId has up to 100 characters); widening is no rewrite.
    await q.query(
      `ALTER TABLE "gateway"."webhook_deliveries" ALTER COLUMN "request_id" TYPE character varying(110)`,
    );
    await q.query(
      `ALTER TABLE "gateway"."webhook_deliveries" ADD "kind" character varying(32) NOT NULL DEFAULT 'requestMessage'`,
    );
    await q.query(
      `ALTER TABLE "gateway"."webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_kind_check" CHECK ("kind" IN ('requestMessage', 'deviceConnected', 'deviceDisconnected'))`,
    );
    // The feed's order: the inserting transaction's id, then the row's number. A reader only goes as
    // far as the oldest transaction still running (pg_snapshot_xmin), so no row can commit later
    // behind its cursor (a bigserial alone is allocated before commit, out of commit order).
    await q.query(
      `ALTER TABLE "gateway"."webhook_deliveries" ADD "feed_txid" bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)`,
    );
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" ADD "feed_seq" bigserial NOT NULL`);
    await q.query(
      `CREATE INDEX "webhook_deliveries_feed_idx" ON "gateway"."webhook_deliveries" ("account_id", "feed_txid", "feed_seq")`,
    );
    // Per device: its last socket's epoch and whether that one is open, and how many events it had.
    await q.query(`
      CREATE TABLE "gateway"."device_presence" (
        "tenant_id" character varying(64) NOT NULL,
        "account_id" character varying(64) NOT NULL,
        "reference_id" character varying(100) NOT NULL,
        "epoch" bigint NOT NULL,
        "connected" boolean NOT NULL,
        "hub_id" character varying(200) NOT NULL,
        "events" integer NOT NULL,
        "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "device_presence_pkey" PRIMARY KEY ("tenant_id", "account_id", "reference_id")
      )`);
    // The sweep for dead hubs reads the open sockets per hub.
    await q.query(
      `CREATE INDEX "device_presence_connected_hub_idx" ON "gateway"."device_presence" ("hub_id") WHERE "connected"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."device_presence"`);
    await q.query(`DROP INDEX "gateway"."webhook_deliveries_feed_idx"`);
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" DROP COLUMN "feed_seq"`);
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" DROP COLUMN "feed_txid"`);
    await q.query(
      `ALTER TABLE "gateway"."webhook_deliveries" DROP CONSTRAINT "webhook_deliveries_kind_check"`,
    );
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" DROP COLUMN "kind"`);
    await q.query(
      `ALTER TABLE "gateway"."webhook_deliveries" ALTER COLUMN "request_id" TYPE character varying(100)`,
    );
  }
}
