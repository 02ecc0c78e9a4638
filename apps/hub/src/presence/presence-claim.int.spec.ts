import { NatsConnectionOwner } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import { startNats, type NatsHandle } from '@cloudflow/testing';

describe('PresenceStore.claimDevice (real nats-server)', () => {
  let nats: NatsHandle;
  let owner: NatsConnectionOwner;
  let presence: PresenceStore;

  beforeAll(async () => {
    nats = await startNats();
    owner = new NatsConnectionOwner(nats.url, 'presence-claim-spec');
    presence = new PresenceStore(owner);
  }, 60_000);
  afterAll(async () => {
    await owner?.onApplicationShutdown();
    await nats?.stop();
  });

  /** Seconds since 2020: the least epoch a claim takes now (presence.store epochFloor). */
  const floorNow = () => Math.floor((Date.now() - Date.UTC(2020, 0, 1)) / 1000);

  it('claims a new device with one create, and fences the older socket when it connects again', async () => {
    const before = floorNow();
    const first = await presence.claimDevice('t1', 'a1', 'till-1', 'hub-1', 'hub-1.i.c1');
    expect(first.replaced).toBeUndefined();
    expect(first.epoch).toBeGreaterThanOrEqual(before);
    expect(first.epoch).toBeLessThanOrEqual(floorNow());
    const again = await presence.claimDevice('t1', 'a1', 'till-1', 'hub-2', 'hub-2.i.c7');
    expect(again.epoch).toBeGreaterThan(first.epoch);
    expect(again.replaced).toMatchObject({ hubId: 'hub-1', connId: 'hub-1.i.c1', epoch: first.epoch });
    await presence.heartbeat('hub-2'); // an owner counts only while its hub is alive
    expect(await presence.deviceOwner('t1', 'a1', 'till-1')).toMatchObject({
      hubId: 'hub-2',
      connId: 'hub-2.i.c7',
      epoch: again.epoch,
    });
    // Another device of the account is its own first claim.
    expect(
      (await presence.claimDevice('t1', 'a1', 'till-2', 'hub-1', 'hub-1.i.c2')).replaced,
    ).toBeUndefined();
  });

  it('keeps epochs increasing across a release: a socket closed and opened again in the same second', async () => {
    const epochs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { epoch } = await presence.claimDevice('t1', 'a1', 'till-again', 'hub-1', `hub-1.i.a${i}`);
      epochs.push(epoch);
      await presence.releaseDevice('t1', 'a1', 'till-again', `hub-1.i.a${i}`);
    }
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(new Set(epochs).size).toBe(4);
  });

  it('gives a device whose entry was lost (a restarted NATS server) an epoch above its old ones', async () => {
    const old = await presence.claimDevice('t1', 'a1', 'till-lost', 'hub-1', 'hub-1.i.l1');
    await presence.releaseDevice('t1', 'a1', 'till-lost', 'hub-1.i.l1');
    const nc = await owner.connection();
    const kv = await nc.jetstream().views.kv('cf_device_presence');
    await kv.purge(
      Buffer.from('t1').toString('base64url') +
        '.' +
        Buffer.from('a1').toString('base64url') +
        '.' +
        Buffer.from('till-lost').toString('base64url'),
    );
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await presence.claimDevice('t1', 'a1', 'till-lost', 'hub-2', 'hub-2.i.l2');
    expect(fresh.epoch).toBeGreaterThan(old.epoch);
  });

  it('gives racing first claims of one device distinct epochs', async () => {
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        presence.claimDevice('t1', 'a1', 'till-race', 'hub-1', `hub-1.i.r${i}`),
      ),
    );
    expect(new Set(claims.map((c) => c.epoch)).size).toBe(8);
    expect(claims.filter((c) => c.replaced === undefined)).toHaveLength(1);
  });

  it('lists the hubs with a fresh heartbeat, not one that is gone', async () => {
    await presence.heartbeat('hub-live-a');
    await presence.heartbeat('hub-live-b');
    await presence.heartbeat('hub-leaving');
    await presence.hubGone('hub-leaving');
    const live = await presence.liveHubIds();
    expect(live).toEqual(expect.arrayContaining(['hub-live-a', 'hub-live-b']));
    expect(live).not.toContain('hub-leaving');
  });
});
