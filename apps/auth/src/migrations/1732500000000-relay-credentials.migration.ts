import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 3: account and device API-token hashes and encrypted webhook signing secrets. */
export class RelayCredentials1732500000000 implements MigrationInterface {
  name = 'RelayCredentials1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "auth"."account_credentials" (
      "account_id" text NOT NULL,
      "tenant_id" text NOT NULL,
      "token_hash" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "rotated_at" timestamptz,
      CONSTRAINT "account_credentials_pkey" PRIMARY KEY ("account_id"))`);

    await q.query(`CREATE TABLE "auth"."device_credentials" (
      "id" uuid NOT NULL,
      "tenant_id" text NOT NULL,
      "account_id" text NOT NULL,
      "reference_id" text NOT NULL,
      "model" text NOT NULL,
      "serial_number" text NOT NULL,
      "token_hash" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "rotated_at" timestamptz,
      CONSTRAINT "device_credentials_pkey" PRIMARY KEY ("id"))`);
    // Also serves "every device of an account" (its leading columns) when an account is deleted.
    await q.query(`CREATE UNIQUE INDEX "device_credentials_tenant_account_reference_key"
      ON "auth"."device_credentials" ("tenant_id", "account_id", "reference_id")`);
    await q.query(`CREATE UNIQUE INDEX "device_credentials_model_serial_number_key"
      ON "auth"."device_credentials" ("model", "serial_number")`);

    await q.query(`CREATE TABLE "auth"."webhook_secrets" (
      "account_id" text NOT NULL,
      "tenant_id" text NOT NULL,
      "secret_enc" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("account_id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['webhook_secrets', 'device_credentials', 'account_credentials']) {
      await q.query(`DROP TABLE "auth"."${table}"`);
    }
  }
}
