import type { INestApplication } from '@nestjs/common';
import { ClientNats } from '@nestjs/microservices';
import { SUBJECTS } from '@cloudflow/contracts';
import { DatabaseService, natsConnectionOptions, RpcClient } from '@cloudflow/platform';
import {
  freePort,
  startNats,
  startPostgres,
  waitFor,
  type NatsHandle,
  type PostgresHandle,
} from '@cloudflow/testing';
import { connect, type NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';
import { bootstrap } from '../bootstrap';

/** One auth service in-process on a real nats-server and Postgres, with a typed client and a raw connection. */
export interface AuthHarness {
  nats: NatsHandle;
  pg: PostgresHandle;
  app: INestApplication;
  db: DatabaseService;
  rpc: RpcClient;
  /** Raw connection, for listening to broadcasts. */
  nc: NatsConnection;
  stop(): Promise<void>;
}

/** Starts everything and waits until auth's queue-group responders answer. `name` names the database and client. */
export async function startAuthHarness(name: string): Promise<AuthHarness> {
  const [nats, pg] = await Promise.all([startNats(), startPostgres()]);
  const app = await bootstrap({
    NATS_URL: nats.url,
    DATABASE_URL: await pg.createDatabase(name.replace(/\W/g, '_')),
    AUTH_HASH_KEY: randomBytes(32).toString('base64url'),
    PORT: String(await freePort()),
    LOG_LEVEL: 'error',
  });
  const db = app.get(DatabaseService);
  await db.whenReady();
  const rpc = new RpcClient(new ClientNats(natsConnectionOptions(nats.url, `${name}-spec`)), 5000);
  const nc = await connect(nats.connectOptions());
  await waitFor('auth responders', () => rpc.send(SUBJECTS.auth.jwksGet, {}, 1000).then(() => true), 20_000);
  const stop = async () => {
    await rpc.onApplicationShutdown();
    await nc.close();
    await app.close();
    await Promise.all([nats.stop(), pg.stop()]);
  };
  return { nats, pg, app, db, rpc, nc, stop };
}
