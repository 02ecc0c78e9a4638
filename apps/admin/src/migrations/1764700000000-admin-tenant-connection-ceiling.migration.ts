import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The operator's per-tenant ceiling on an account's connection limit (issue 12 item 7); null:
 * the deployment's CONNECTION_LIMIT_CEILING applies.
 */
export class AdminTenantConnectionCeiling1764700000000 implements MigrationInterface {
  name = 'AdminTenantConnectionCeiling1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "admin"."tenants" ADD "connection_ceiling" integer`);
    await q.query(
      `ALTER TABLE "admin"."tenants" ADD CONSTRAINT "tenants_connection_ceiling_check" CHECK ("connection_ceiling" BETWEEN 1 AND 100000)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "admin"."tenants" DROP CONSTRAINT "tenants_connection_ceiling_check"`);
    await q.query(`ALTER TABLE "admin"."tenants" DROP COLUMN "connection_ceiling"`);
  }
}
