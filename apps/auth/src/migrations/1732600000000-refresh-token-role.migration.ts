import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12, item 4: a refresh-token family remembers the user's role, so a refreshed access
 * token carries the same `role` claim. Older rows stay null and are read as `user`.
 */
export class RefreshTokenRole1732600000000 implements MigrationInterface {
  name = 'RefreshTokenRole1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "auth"."refresh_tokens" ADD COLUMN "role" text`);
    await q.query(
      `ALTER TABLE "auth"."refresh_tokens" ADD CONSTRAINT "refresh_tokens_role_check" CHECK ("role" IN ('admin', 'user'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "auth"."refresh_tokens" DROP COLUMN "role"`);
  }
}
