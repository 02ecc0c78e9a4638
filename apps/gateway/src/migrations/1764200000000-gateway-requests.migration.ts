import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Requests to devices (async and sync) and their message timelines (issue 4). */
export class GatewayRequests1764200000000 implements MigrationInterface {
  name = 'GatewayRequests1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // The schema exists already (DatabaseService creates it; with per-service roles the start script
    // does, and the gateway role may not create schemas: CREATE SCHEMA IF NOT EXISTS would be refused).
    await q.query(`
      CREATE TABLE "gateway"."requests" (
        "id" bigserial NOT NULL,
        "tenant_id" character varying(64) NOT NULL,
        "account_id" character varying(64) NOT NULL,
        "request_id" character varying(100) NOT NULL,
        "target" character varying(100) NOT NULL,
        "type" character varying(32) NOT NULL,
        "kind" character varying(8) NOT NULL,
        "status" character varying(16) NOT NULL,
        "error_code" character varying(32),
        "body_hash" character(64) NOT NULL,
        "request" jsonb NOT NULL,
        "result" jsonb,
        "conn_id" character varying(64),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "requests_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "requests_tenant_account_request_key" UNIQUE ("tenant_id", "account_id", "request_id"),
        CONSTRAINT "requests_kind_check" CHECK ("kind" IN ('sync', 'async')),
        CONSTRAINT "requests_status_check" CHECK ("status" IN ('dispatching', 'rejected', 'dispatched', 'completed', 'failed', 'connectionLost', 'expired'))
      )`);
    // The admin log: a tenant's requests, newest first.
    await q.query(
      `CREATE INDEX "requests_tenant_created_idx" ON "gateway"."requests" ("tenant_id", "created_at" DESC)`,
    );
    // The watchers scan only what is still open.
    await q.query(
      `CREATE INDEX "requests_open_idx" ON "gateway"."requests" ("expires_at") WHERE "status" IN ('dispatching', 'dispatched')`,
    );
    await q.query(`CREATE INDEX "requests_created_idx" ON "gateway"."requests" ("created_at")`);
    await q.query(`
      CREATE TABLE "gateway"."request_messages" (
        "request_pk" bigint NOT NULL,
        "seq" integer NOT NULL,
        "event_id" uuid,
        "conn_id" character varying(64),
        "conn_index" integer,
        "message" jsonb NOT NULL,
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "request_messages_pkey" PRIMARY KEY ("request_pk", "seq"),
        CONSTRAINT "request_messages_event_id_key" UNIQUE ("event_id"),
        CONSTRAINT "request_messages_request_pk_fkey" FOREIGN KEY ("request_pk") REFERENCES "gateway"."requests" ("id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "gateway"."request_messages"`);
    await q.query(`DROP TABLE "gateway"."requests"`);
  }
}
