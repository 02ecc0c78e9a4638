import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Simulated devices (issue 13): terminals the hubs answer for in sandbox tenants, with their
 * settings. The partial index serves the hubs' paged listing of them.
 */
export class AdminDeviceSimulation1764900000000 implements MigrationInterface {
  name = 'AdminDeviceSimulation1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "admin"."devices" ADD "simulated" boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE "admin"."devices" ADD "simulation" jsonb`);
    await q.query(
      `ALTER TABLE "admin"."devices" ADD CONSTRAINT "devices_simulation_check" CHECK ("simulated" = ("simulation" IS NOT NULL))`,
    );
    await q.query(
      `CREATE INDEX "devices_simulated_idx" ON "admin"."devices" ("id") WHERE "simulated" AND "enabled"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "admin"."devices_simulated_idx"`);
    await q.query(`ALTER TABLE "admin"."devices" DROP CONSTRAINT "devices_simulation_check"`);
    await q.query(`ALTER TABLE "admin"."devices" DROP COLUMN "simulation"`);
    await q.query(`ALTER TABLE "admin"."devices" DROP COLUMN "simulated"`);
  }
}
