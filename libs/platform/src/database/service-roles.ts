import { Client } from 'pg';

/**
 * One Postgres role per service that keeps data, each owning only its own schema (issue 12 item
 * 6): a compromised gateway cannot read or rewrite `auth`'s hashes. The owner of the database
 * (a superuser locally, the database's owner role on a managed Postgres) runs this once per start
 * or deploy; each service then migrates its own schema as its own role (it owns the schema, so
 * CREATE/ALTER TABLE there need nothing else, and nothing outside it is reachable).
 */
export const DATABASE_SERVICES = ['auth', 'admin', 'gateway'] as const;
export type DatabaseServiceName = (typeof DATABASE_SERVICES)[number];

/** The role a service logs in as; its schema is named after the service. */
export function serviceRoleName(service: DatabaseServiceName): string {
  return `cloudflow_${service}`;
}

/** The owner's URL with the service's role and password in place of the owner's login. */
export function serviceDatabaseUrl(ownerUrl: string, service: DatabaseServiceName, password: string): string {
  const url = new URL(ownerUrl);
  url.username = serviceRoleName(service);
  url.password = password;
  return url.toString();
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates or updates each service's login role (password taken from its DATABASE_URL, so the URL
 * the service gets is the single source of its password), makes it the owner of its schema and of
 * everything already in it (a database first migrated by one shared owner role), and takes every
 * other role but the owner off the schema. Idempotent; concurrent runs are serialised by an
 * advisory lock.
 */
export async function provisionServiceRoles(
  ownerUrl: string,
  serviceUrls: Record<DatabaseServiceName, string>,
): Promise<void> {
  const client = new Client({ connectionString: ownerUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('cloudflow-service-roles'))");
    for (const service of DATABASE_SERVICES) {
      const url = new URL(serviceUrls[service]);
      const role = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      if (!ROLE_NAME.test(role))
        throw new Error(
          `DATABASE_URL of ${service}: role name "${role}" is not a plain lower-case identifier`,
        );
      if (password.length < 16)
        throw new Error(`DATABASE_URL of ${service}: the password must have at least 16 characters`);
      for (const sql of serviceRoleStatements(service, role, client.escapeLiteral(password)))
        await client.query(sql);
    }
  } finally {
    await client
      .query("SELECT pg_advisory_unlock(hashtext('cloudflow-service-roles'))")
      .catch(() => undefined);
    await client.end();
  }
}

/** The statements for one service (role and schema names are checked identifiers; the password is an escaped literal). */
export function serviceRoleStatements(
  schema: DatabaseServiceName,
  role: string,
  passwordLiteral: string,
): string[] {
  return [
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE "${role}" LOGIN; END IF; END $$`,
    // No inherited rights, no role or database creation: the role can do what its schema allows and nothing more.
    `ALTER ROLE "${role}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD ${passwordLiteral}`,
    // A non-superuser owner (managed Postgres) may hand objects only to roles it is a member of.
    `DO $$ BEGIN IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN EXECUTE 'GRANT "${role}" TO ' || quote_ident(current_user); END IF; END $$`,
    `CREATE SCHEMA IF NOT EXISTS "${schema}" AUTHORIZATION "${role}"`,
    `ALTER SCHEMA "${schema}" OWNER TO "${role}"`,
    `REVOKE ALL ON SCHEMA "${schema}" FROM PUBLIC`,
    // Tables (their column sequences follow), views, then free-standing sequences: a database
    // migrated before there were roles keeps working, now owned by the service.
    `DO $$ DECLARE r record; BEGIN
       FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = '${schema}' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                   AND c.relowner <> '"${role}"'::regrole
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
                 ORDER BY c.relkind = 'S'
       LOOP
         EXECUTE format(CASE r.relkind WHEN 'S' THEN 'ALTER SEQUENCE %I.%I OWNER TO %I' WHEN 'v' THEN 'ALTER VIEW %I.%I OWNER TO %I'
                        WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %I.%I OWNER TO %I' WHEN 'f' THEN 'ALTER FOREIGN TABLE %I.%I OWNER TO %I'
                        ELSE 'ALTER TABLE %I.%I OWNER TO %I' END, '${schema}', r.relname, '${role}');
       END LOOP;
     END $$`,
  ];
}
