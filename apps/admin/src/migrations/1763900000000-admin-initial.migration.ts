import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Developers, tenants (business profiles) and tenant users. */
export class AdminInitial1763900000000 implements MigrationInterface {
  name = 'AdminInitial1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "admin"."developers" (
        "id" uuid NOT NULL,
        "name" character varying(200) NOT NULL,
        "email" character varying(320) NOT NULL,
        "kind" character varying(16) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "developers_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "developers_kind_check" CHECK ("kind" IN ('sandbox', 'production'))
      )`);
    // Emails are unique whatever their case; the index also serves the login lookup.
    await q.query(
      `CREATE UNIQUE INDEX "developers_email_lower_key" ON "admin"."developers" (lower("email"))`,
    );

    await q.query(`
      CREATE TABLE "admin"."tenants" (
        "id" uuid NOT NULL,
        "developer_id" uuid NOT NULL,
        "business_code" character varying(16) NOT NULL,
        "name" character varying(200) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "tenants_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "tenants_developer_id_key" UNIQUE ("developer_id"),
        CONSTRAINT "tenants_business_code_key" UNIQUE ("business_code"),
        CONSTRAINT "tenants_developer_id_fkey" FOREIGN KEY ("developer_id") REFERENCES "admin"."developers" ("id")
      )`);

    await q.query(`
      CREATE TABLE "admin"."users" (
        "id" uuid NOT NULL,
        "tenant_id" uuid NOT NULL,
        "username" character varying(100) NOT NULL,
        "name" character varying(200) NOT NULL,
        "email" character varying(320) NOT NULL,
        "time_zone" character varying(64) NOT NULL,
        "role" character varying(16) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "users_tenant_id_username_key" UNIQUE ("tenant_id", "username"),
        CONSTRAINT "users_role_check" CHECK ("role" IN ('admin', 'user')),
        CONSTRAINT "users_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "admin"."tenants" ("id")
      )`);
    // One admin user per tenant, enforced even when two portal requests race.
    await q.query(
      `CREATE UNIQUE INDEX "users_one_admin_per_tenant" ON "admin"."users" ("tenant_id") WHERE "role" = 'admin'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "admin"."users"`);
    await q.query(`DROP TABLE "admin"."tenants"`);
    await q.query(`DROP TABLE "admin"."developers"`);
  }
}
