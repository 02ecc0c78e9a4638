import { serviceDatabaseUrl, serviceRoleName, serviceRoleStatements } from './service-roles';

describe('service database roles', () => {
  it("puts the service's role and password into the owner's URL, keeping host, database and options", () => {
    const url = serviceDatabaseUrl(
      'postgres://owner:secret@db.internal:5432/cloudflow?sslmode=require',
      'gateway',
      'p@ss:/word#1234567',
    );
    const parsed = new URL(url);
    expect(parsed.username).toBe(serviceRoleName('gateway'));
    expect(decodeURIComponent(parsed.password)).toBe('p@ss:/word#1234567');
    expect(`${parsed.host}${parsed.pathname}${parsed.search}`).toBe(
      'db.internal:5432/cloudflow?sslmode=require',
    );
  });

  it('gives the role no privilege beyond its own schema, and hands that schema and its tables to it', () => {
    const sql = serviceRoleStatements('auth', 'cloudflow_auth', "'x'").join('\n');
    expect(sql).toContain('NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS');
    expect(sql).toContain('ALTER SCHEMA "auth" OWNER TO "cloudflow_auth"');
    expect(sql).toContain('REVOKE ALL ON SCHEMA "auth" FROM PUBLIC');
    expect(sql).toMatch(/ALTER TABLE %I\.%I OWNER TO %I/);
    expect(sql).not.toMatch(/GRANT [A-Z, ]+ ON (SCHEMA|ALL TABLES IN SCHEMA) "?(admin|gateway)/);
  });
});
