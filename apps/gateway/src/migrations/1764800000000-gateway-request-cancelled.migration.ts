import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A request the terminal stopped on a cancel (issue 13) ends `cancelled`. */
export class GatewayRequestCancelled1764800000000 implements MigrationInterface {
  name = 'GatewayRequestCancelled1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."requests" DROP CONSTRAINT "requests_status_check"`);
    await q.query(
      `ALTER TABLE "gateway"."requests" ADD CONSTRAINT "requests_status_check" CHECK ("status" IN ('dispatching', 'rejected', 'dispatched', 'completed', 'failed', 'cancelled', 'connectionLost', 'expired'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE "gateway"."requests" SET "status" = 'completed' WHERE "status" = 'cancelled'`);
    await q.query(`ALTER TABLE "gateway"."requests" DROP CONSTRAINT "requests_status_check"`);
    await q.query(
      `ALTER TABLE "gateway"."requests" ADD CONSTRAINT "requests_status_check" CHECK ("status" IN ('dispatching', 'rejected', 'dispatched', 'completed', 'failed', 'connectionLost', 'expired'))`,
    );
  }
}
