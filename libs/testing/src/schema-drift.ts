import { DatabaseService, schemaDrift } from '@cloudflow/platform';
import pino from 'pino';
import { startPostgres } from './postgres';

type Constructor = new (...args: never[]) => object;

/**
 * Runs a service's committed migrations on a fresh Postgres and answers what TypeORM would still
 * change to match its entities (libs/platform schemaDrift): [] when they agree.
 */
export async function driftAfterMigrations(
  schema: string,
  entities: Constructor[],
  migrations: Constructor[],
): Promise<string[]> {
  const pg = await startPostgres();
  const db = new DatabaseService(
    await pg.createDatabase(`${schema}_drift`),
    { schema, entities, migrations },
    pino({ level: 'silent' }),
  );
  try {
    db.onModuleInit();
    await db.whenReady();
    return await schemaDrift(db);
  } finally {
    await db.onApplicationShutdown();
    await pg.stop();
  }
}
