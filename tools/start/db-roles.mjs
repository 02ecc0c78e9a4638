// Each service that keeps data logs in to Postgres as its own role, owner of its own schema only
// (README "Card data and database roles"): created or updated on every start by the database
// owner, passwords from .data/secrets.json (PG_PASSWORD_<SERVICE>) or the environment.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pgPasswordKey } from './secrets.mjs';

/** Provisions the roles on the owner's database; returns each service's DATABASE_URL. */
export async function provisionDatabaseRoles(root, ownerUrl, secrets) {
  const require = createRequire(import.meta.url);
  const { DATABASE_SERVICES, provisionServiceRoles, serviceDatabaseUrl } = require(
    join(root, 'dist/libs/platform/src/database/service-roles.js'),
  );
  const urls = Object.fromEntries(
    DATABASE_SERVICES.map((name) => [name, serviceDatabaseUrl(ownerUrl, name, secrets[pgPasswordKey(name)])]),
  );
  await provisionServiceRoles(ownerUrl, urls);
  return urls;
}

/** The DATABASE_URL of a service process (hubs keep nothing durable and get none). */
export function databaseLogin(urls, svc) {
  return urls[svc.app] ? { DATABASE_URL: urls[svc.app] } : {};
}
