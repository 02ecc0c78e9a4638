import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tracing (issue 14): a request keeps the id of the trace it was made in (the record and the
 * admin log show it), and each queued webhook delivery the `traceparent` of the recording that
 * queued it, so every attempt is a span of the payment's trace and sends that trace onward.
 */
export class GatewayTraceContext1765200000000 implements MigrationInterface {
  name = 'GatewayTraceContext1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."requests" ADD COLUMN "trace_id" varchar(32)`);
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" ADD COLUMN "traceparent" varchar(55)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "gateway"."webhook_deliveries" DROP COLUMN "traceparent"`);
    await q.query(`ALTER TABLE "gateway"."requests" DROP COLUMN "trace_id"`);
  }
}
