import 'reflect-metadata';
import { SUBJECTS } from '@cloudflow/contracts';
import { waitFor } from '@cloudflow/testing';
import { startAuthHarness, type AuthHarness } from './testing/auth-int-harness';

jest.setTimeout(60_000);

interface Connz {
  connections: Array<{ cid: number; name?: string; subscriptions_list?: string[] }>;
}

// The NATS connections the built service holds, as the server's monitoring endpoint lists them.
async function authConnections(h: AuthHarness): Promise<Connz['connections']> {
  const res = await fetch(`${h.nats.monitorUrl}/connz?subs=1&limit=1000`);
  const connz = (await res.json()) as Connz;
  return connz.connections.filter((c) => c.name?.startsWith('auth@'));
}

// Issue 15, item 1: Nest's RPC responders and client, the broadcasts and JetStream all go over
// the process's one connection (NatsConnectionOwner), before and after a NATS restart.
describe('one NATS connection per service process', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness('one_connection');
  });
  afterAll(async () => h?.stop());

  it('holds exactly one connection, carrying its queue-group responders, and answers over it', async () => {
    const [only, ...others] = await authConnections(h);
    expect(others).toEqual([]);
    expect(only.subscriptions_list).toEqual(
      expect.arrayContaining([SUBJECTS.auth.jwksGet, SUBJECTS.auth.appKeyVerify, SUBJECTS.auth.tokenStatus]),
    );
    const jwks = await h.rpc.send(SUBJECTS.auth.jwksGet, {});
    expect(jwks.keys.length).toBeGreaterThan(0);
  });

  it('after a NATS restart, comes back as one connection with the responders on it', async () => {
    await h.nats.restart();
    const after = await waitFor(
      'auth reconnected with its responders',
      async () => {
        const list = await authConnections(h).catch(() => []);
        return list.length > 0 && list.every((c) => c.subscriptions_list?.includes(SUBJECTS.auth.jwksGet))
          ? list
          : undefined;
      },
      20_000,
    );
    expect(after).toHaveLength(1);
    await waitFor('auth answers after the restart', () =>
      h.rpc.send(SUBJECTS.auth.jwksGet, {}, 1000).then(() => true),
    );
  });
});
