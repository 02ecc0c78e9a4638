import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: a rotated webhook secret keeps its predecessor (sealed the same way, bound to the
 * same row) until the overlap ends, so deliveries carry both signatures meanwhile.
 */
export class WebhookSecretRotation1765100000000 implements MigrationInterface {
  name = 'WebhookSecretRotation1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "auth"."webhook_secrets" ADD "previous_secret_enc" text`);
    await q.query(`ALTER TABLE "auth"."webhook_secrets" ADD "previous_expires_at" timestamptz`);
    await q.query(
      `ALTER TABLE "auth"."webhook_secrets" ADD CONSTRAINT "webhook_secrets_previous_check" CHECK (("previous_secret_enc" IS NULL) = ("previous_expires_at" IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "auth"."webhook_secrets" DROP CONSTRAINT "webhook_secrets_previous_check"`);
    await q.query(`ALTER TABLE "auth"."webhook_secrets" DROP COLUMN "previous_expires_at"`);
    await q.query(`ALTER TABLE "auth"."webhook_secrets" DROP COLUMN "previous_secret_enc"`);
  }
}
