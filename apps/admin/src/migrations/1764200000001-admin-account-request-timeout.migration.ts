import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-account timeout of async requests (issue 4): default 150 s. */
export class AdminAccountRequestTimeout1764200000001 implements MigrationInterface {
  name = 'AdminAccountRequestTimeout1764200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "admin"."accounts" ADD "request_timeout_seconds" integer NOT NULL DEFAULT 150`,
    );
    await q.query(
      `ALTER TABLE "admin"."accounts" ADD CONSTRAINT "accounts_request_timeout_seconds_check" CHECK ("request_timeout_seconds" BETWEEN 5 AND 3600)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "admin"."accounts" DROP CONSTRAINT "accounts_request_timeout_seconds_check"`);
    await q.query(`ALTER TABLE "admin"."accounts" DROP COLUMN "request_timeout_seconds"`);
  }
}
