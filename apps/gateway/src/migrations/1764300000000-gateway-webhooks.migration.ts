import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The webhook outbox (one row per message of an async request) and its delivery attempts. */
export class GatewayWebhooks1764300000000 implements MigrationInterface {
  name = 'GatewayWebhooks1764300000000';

  async up(q: QueryRunner): Promise<void> {
    // The schema exists already (DatabaseService creates it; with per-service roles the start script
    // does, and the gateway role may not create schemas: CREATE SCHEMA IF NOT EXISTS would be refused).
    await q.query(`
      CREATE TABLE "gateway"."webhook_deliveries" (
        "delivery_id" uuid NOT NULL,
        "tenant_id" character varying(64) NOT NULL,
        "account_id" character varying(64) NOT NULL,
        "request_id" character varying(100) NOT NULL,
        "seq" integer NOT NULL,
        "body" text NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "lease_until" TIMESTAMP WITH TIME ZONE,
        "lease_token" uuid,
        "last_error" character varying(500),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "delivered_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("delivery_id"),
        CONSTRAINT "webhook_deliveries_request_seq_key" UNIQUE ("account_id", "request_id", "seq"),
        CONSTRAINT "webhook_deliveries_status_check" CHECK ("status" IN ('pending', 'delivered', 'dead'))
      )`);
    // The worker's claim scans only what is still due; delivered rows drop out of this index.
    await q.query(
      `CREATE INDEX "webhook_deliveries_due_idx" ON "gateway"."webhook_deliveries" ("next_attempt_at") WHERE "status" = 'pending'`,
    );
    // The admin request log reads deliveries per tenant and request.
    await q.query(
      `CREATE INDEX "webhook_deliveries_tenant_request_idx" ON "gateway"."webhook_deliveries" ("tenant_id", "request_id")`,
    );
    await q.query(`
      CREATE TABLE "gateway"."webhook_attempts" (
        "delivery_id" uuid NOT NULL,
        "attempt" integer NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "http_status" integer,
        "error" character varying(500),
        CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("delivery_id", "attempt"),
        CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id")
          REFERENCES "gateway"."webhook_deliveries" ("delivery_id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."webhook_attempts"`);
    await q.query(`DROP TABLE "gateway"."webhook_deliveries"`);
  }
}
