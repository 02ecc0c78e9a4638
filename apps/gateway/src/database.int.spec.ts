import 'reflect-metadata';
import { DatabaseService } from '@cloudflow/platform';
import { startPostgres, type PostgresHandle } from '@cloudflow/testing';
import pino from 'pino';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from './database';

jest.setTimeout(60_000);

// An entity changed without a migration shows up here as SQL TypeORM would still have to run.
describe('gateway schema on real Postgres', () => {
  let pg: PostgresHandle;
  let db: DatabaseService;

  beforeAll(async () => {
    pg = await startPostgres();
    db = new DatabaseService(
      await pg.createDatabase('gateway_drift'),
      { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
      pino({ level: 'silent' }),
    );
    db.onModuleInit();
    await db.whenReady();
  });

  afterAll(async () => {
    await db?.onApplicationShutdown();
    await pg?.stop();
  });

  it('has committed migrations that match the entities exactly (no drift)', async () => {
    const pending = await db.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('has run every committed migration, in order', async () => {
    const rows: Array<{ name: string }> = await db.dataSource.query(
      'SELECT name FROM gateway.migrations ORDER BY id',
    );
    expect(rows.map((r) => r.name)).toEqual(GATEWAY_MIGRATIONS.map((m) => m.name));
  });
});
