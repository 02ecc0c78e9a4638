import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The optional event kinds an account's webhooks and feed carry besides request messages (issue 14). */
export class AdminAccountWebhookEvents1765000000000 implements MigrationInterface {
  name = 'AdminAccountWebhookEvents1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "admin"."accounts" ADD "webhook_events" text array NOT NULL DEFAULT '{}'`);
    await q.query(
      `ALTER TABLE "admin"."accounts" ADD CONSTRAINT "accounts_webhook_events_check" CHECK ("webhook_events" <@ ARRAY['deviceConnected', 'deviceDisconnected']::text[])`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "admin"."accounts" DROP CONSTRAINT "accounts_webhook_events_check"`);
    await q.query(`ALTER TABLE "admin"."accounts" DROP COLUMN "webhook_events"`);
  }
}
