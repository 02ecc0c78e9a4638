import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Request events the recorder could never store (issue 9, hole 4): kept here, masked and made
 * storable, so they can be looked at (admin request log) instead of blocking the shared consumer.
 */
export class GatewayDeadLetters1764400000000 implements MigrationInterface {
  name = 'GatewayDeadLetters1764400000000';

  async up(q: QueryRunner): Promise<void> {
    // The schema exists already (DatabaseService creates it; with per-service roles the start script
    // does, and the gateway role may not create schemas: CREATE SCHEMA IF NOT EXISTS would be refused).
    // Tenant, account and ids are null when the event was unreadable; `event` is text, not jsonb: the point is to keep what jsonb refused.
    await q.query(`
      CREATE TABLE "gateway"."request_dead_letters" (
        "id" bigserial NOT NULL,
        "tenant_id" character varying(64),
        "account_id" character varying(64),
        "request_id" character varying(100),
        "event_id" character varying(100),
        "stream_seq" bigint NOT NULL,
        "deliveries" integer NOT NULL,
        "reason" character varying(500) NOT NULL,
        "event" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "request_dead_letters_pkey" PRIMARY KEY ("id")
      )`);
    // A gateway that died between writing the dead letter and acking it sees the event again: one row per event id.
    await q.query(
      `CREATE UNIQUE INDEX "request_dead_letters_event_key" ON "gateway"."request_dead_letters" ("event_id") WHERE "event_id" IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX "request_dead_letters_tenant_created_idx" ON "gateway"."request_dead_letters" ("tenant_id", "created_at" DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."request_dead_letters"`);
  }
}
