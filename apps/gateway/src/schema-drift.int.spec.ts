import 'reflect-metadata';
import { driftAfterMigrations } from '@cloudflow/testing';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from './database';

// An entity changed without its migration (or the other way round) fails here, not in production.
it('leaves nothing for TypeORM to change once the committed migrations ran', async () => {
  expect(await driftAfterMigrations('gateway', GATEWAY_ENTITIES, GATEWAY_MIGRATIONS)).toEqual([]);
}, 60_000);
