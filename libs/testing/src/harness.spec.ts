import { connect } from 'nats';
import { Client } from 'pg';
import { startNats } from './nats-server';
import { startPostgres } from './postgres';

describe('test harness', () => {
  it('starts a real nats-server that carries a request and reply', async () => {
    const nats = await startNats();
    try {
      const nc = await connect(nats.connectOptions());
      nc.subscribe('ping', { callback: (_e, m) => m.respond(new TextEncoder().encode('pong')) });
      const reply = await nc.request('ping', new Uint8Array(), { timeout: 2000 });
      expect(new TextDecoder().decode(reply.data)).toBe('pong');
      await nc.close();
    } finally {
      await nats.stop();
    }
  });

  it('starts a real Postgres, creates databases, and survives a stop and start', async () => {
    const pg = await startPostgres();
    try {
      const url = await pg.createDatabase('harness');
      const query = async () => {
        const client = new Client({ connectionString: url });
        await client.connect();
        const { rows } = await client.query<{ v: number }>('SELECT 41 + 1 AS v');
        await client.end();
        return rows[0].v;
      };
      expect(await query()).toBe(42);
      await pg.stopServer();
      await expect(query()).rejects.toThrow();
      await pg.startServer();
      expect(await query()).toBe(42);
    } finally {
      await pg.stop();
    }
  });

  it('runs Postgres without durable commits for tests, and with them at production durability', async () => {
    const settings = async (durability?: 'test' | 'production') => {
      const pg = await startPostgres(durability ? { durability } : {});
      try {
        const client = new Client({ connectionString: await pg.createDatabase('durability') });
        await client.connect();
        const read = async (name: string) =>
          (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];
        const out = {
          handle: pg.durability,
          fsync: await read('fsync'),
          synchronous_commit: await read('synchronous_commit'),
        };
        await client.end();
        return out;
      } finally {
        await pg.stop();
      }
    };
    expect(await settings()).toEqual({ handle: 'test', fsync: 'off', synchronous_commit: 'off' });
    expect(await settings('production')).toEqual({
      handle: 'production',
      fsync: 'on',
      synchronous_commit: 'on',
    });
  });
});
