import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12: failure counters for password guessing and sign-ups, revoked portal sessions, a
 * credential generation that a password change bumps (older access tokens stop working), and
 * retired signing keys (kept, and published, until their last token has expired).
 */
export class GuessingAndSessions1765000000000 implements MigrationInterface {
  name = 'GuessingAndSessions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "auth"."guess_counters" (
      "key" text NOT NULL,
      "failures" integer NOT NULL,
      "last_at" timestamptz NOT NULL,
      "forget_at" timestamptz NOT NULL,
      CONSTRAINT "guess_counters_pkey" PRIMARY KEY ("key"))`);
    await q.query(`CREATE INDEX "guess_counters_forget_at_idx" ON "auth"."guess_counters" ("forget_at")`);

    await q.query(`CREATE TABLE "auth"."revoked_tokens" (
      "jti" uuid NOT NULL,
      "subject" text NOT NULL,
      "expires_at" timestamptz NOT NULL,
      CONSTRAINT "revoked_tokens_pkey" PRIMARY KEY ("jti"))`);
    await q.query(`CREATE INDEX "revoked_tokens_expires_at_idx" ON "auth"."revoked_tokens" ("expires_at")`);

    await q.query(`ALTER TABLE "auth"."user_credentials" ADD "generation" integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "auth"."signing_keys" ADD "retired_at" timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "auth"."signing_keys" DROP COLUMN "retired_at"`);
    await q.query(`ALTER TABLE "auth"."user_credentials" DROP COLUMN "generation"`);
    await q.query(`DROP TABLE "auth"."revoked_tokens"`);
    await q.query(`DROP TABLE "auth"."guess_counters"`);
  }
}
