import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The auth schema's first tables: APP keys, credentials, signing keys, refresh tokens, blocks. */
export class AuthSchema1732390000000 implements MigrationInterface {
  name = 'AuthSchema1732390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "auth"."developer_credentials" (
      "developer_id" uuid NOT NULL,
      "password_hash" text NOT NULL,
      "box_public_key" text NOT NULL,
      "box_private_key_enc" text NOT NULL,
      "kek_salt" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "developer_credentials_pkey" PRIMARY KEY ("developer_id"))`);

    await q.query(`CREATE TABLE "auth"."app_keys" (
      "id" uuid NOT NULL,
      "developer_id" uuid NOT NULL,
      "name" text,
      "kind" text NOT NULL,
      "prefix" text NOT NULL,
      "key_hash" text NOT NULL,
      "groups" text[] NOT NULL,
      "status" text NOT NULL,
      "usage_limit_per_day" integer NOT NULL,
      "rate_per_second" integer NOT NULL,
      "used_today" integer NOT NULL DEFAULT 0,
      "usage_day" date,
      "expires_at" timestamptz,
      "expired_at" timestamptz,
      "sealed" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "revoked_at" timestamptz,
      "last_used_at" timestamptz,
      CONSTRAINT "app_keys_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "app_keys_key_hash_key" ON "auth"."app_keys" ("key_hash")`);
    await q.query(`CREATE INDEX "app_keys_developer_id_idx" ON "auth"."app_keys" ("developer_id")`);

    await q.query(`CREATE TABLE "auth"."user_credentials" (
      "user_id" uuid NOT NULL,
      "tenant_id" uuid NOT NULL,
      "password_hash" text NOT NULL,
      "pin_hash" text,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "user_credentials_pkey" PRIMARY KEY ("user_id"))`);

    await q.query(`CREATE TABLE "auth"."signing_keys" (
      "kid" text NOT NULL,
      "public_jwk" jsonb NOT NULL,
      "private_jwk_enc" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "active" boolean NOT NULL,
      CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("kid"))`);
    await q.query(
      `CREATE UNIQUE INDEX "signing_keys_one_active" ON "auth"."signing_keys" ("active") WHERE active`,
    );

    await q.query(`CREATE TABLE "auth"."refresh_tokens" (
      "id" uuid NOT NULL,
      "family_id" uuid NOT NULL,
      "user_id" uuid NOT NULL,
      "tenant_id" uuid NOT NULL,
      "token_hash" text NOT NULL,
      "scope" text NOT NULL,
      "expires_at" timestamptz NOT NULL,
      "used_at" timestamptz,
      "revoked_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "refresh_tokens_pkey" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE UNIQUE INDEX "refresh_tokens_token_hash_key" ON "auth"."refresh_tokens" ("token_hash")`,
    );
    await q.query(`CREATE INDEX "refresh_tokens_family_id_idx" ON "auth"."refresh_tokens" ("family_id")`);
    await q.query(`CREATE INDEX "refresh_tokens_user_id_idx" ON "auth"."refresh_tokens" ("user_id")`);

    await q.query(`CREATE TABLE "auth"."blocked_endpoints" (
      "id" uuid NOT NULL,
      "method" text NOT NULL,
      "path_prefix" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "blocked_endpoints_pkey" PRIMARY KEY ("id"))`);
    await q.query(
      `CREATE UNIQUE INDEX "blocked_endpoints_method_path_prefix_key" ON "auth"."blocked_endpoints" ("method", "path_prefix")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'blocked_endpoints',
      'refresh_tokens',
      'signing_keys',
      'user_credentials',
      'app_keys',
      'developer_credentials',
    ]) {
      await q.query(`DROP TABLE "auth"."${table}"`);
    }
  }
}
