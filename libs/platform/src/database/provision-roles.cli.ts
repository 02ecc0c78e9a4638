import { DATABASE_SERVICES, provisionServiceRoles, type DatabaseServiceName } from './service-roles';

/**
 * `node dist/libs/platform/src/database/provision-roles.cli.js`: the deploy step (deploy/k8s Job
 * `db-roles`) that creates each service's Postgres role from DATABASE_OWNER_URL (the database's
 * owner) and DATABASE_URL_AUTH / _ADMIN / _GATEWAY (each service's own URL: role and password).
 * A one-shot command, not a service, so it reads its four variables directly.
 */
async function main(): Promise<void> {
  const owner = process.env.DATABASE_OWNER_URL;
  if (!owner) throw new Error('DATABASE_OWNER_URL is required');
  const urls = {} as Record<DatabaseServiceName, string>;
  for (const name of DATABASE_SERVICES) {
    const url = process.env[`DATABASE_URL_${name.toUpperCase()}`];
    if (!url) throw new Error(`DATABASE_URL_${name.toUpperCase()} is required`);
    urls[name] = url;
  }
  await provisionServiceRoles(owner, urls);
  console.log(
    `database roles ready: ${DATABASE_SERVICES.map((s) => `${s} as ${decodeURIComponent(new URL(urls[s]).username)}`).join(', ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(`database roles failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
