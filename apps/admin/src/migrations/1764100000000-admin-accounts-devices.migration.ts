import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts and devices of the relay (CONTRACT.md §9); their credentials live in auth. */
export class AdminAccountsDevices1764100000000 implements MigrationInterface {
  name = 'AdminAccountsDevices1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "admin"."accounts" (
        "account_id" character varying(64) NOT NULL,
        "tenant_id" uuid NOT NULL,
        "name" character varying(200) NOT NULL,
        "connection_limit" integer NOT NULL,
        "webhook_url" character varying(2048),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "accounts_pkey" PRIMARY KEY ("account_id"),
        CONSTRAINT "accounts_connection_limit_check" CHECK ("connection_limit" >= 1),
        CONSTRAINT "accounts_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "admin"."tenants" ("id")
      )`);
    await q.query(`CREATE INDEX "accounts_tenant_id_idx" ON "admin"."accounts" ("tenant_id")`);

    await q.query(`
      CREATE TABLE "admin"."devices" (
        "id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "account_id" character varying(64) NOT NULL,
        "reference_id" character varying(100) NOT NULL,
        "serial_number" character varying(100) NOT NULL,
        "model" character varying(100) NOT NULL,
        "name" character varying(200),
        "location" character varying(200),
        "enabled" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "devices_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "devices_account_id_reference_id_key" UNIQUE ("account_id", "reference_id"),
        CONSTRAINT "devices_model_serial_number_key" UNIQUE ("model", "serial_number"),
        CONSTRAINT "devices_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "admin"."accounts" ("account_id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "devices_tenant_id_idx" ON "admin"."devices" ("tenant_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "admin"."devices"`);
    await q.query(`DROP TABLE "admin"."accounts"`);
  }
}
