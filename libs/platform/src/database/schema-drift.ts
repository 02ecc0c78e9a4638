import type { DatabaseService } from './database.service';

/**
 * What TypeORM would still change to make the database match the entities, once every committed
 * migration ran: the statements of a schema sync that never runs (synchronize is off). Empty when
 * the migrations and the entities agree; each service's schema-drift spec fails otherwise, so an
 * entity changed without its migration cannot reach main (issue 15, item 7).
 */
export async function schemaDrift(db: DatabaseService): Promise<string[]> {
  const log = await db.dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}
