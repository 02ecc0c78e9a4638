import { NatsConnectionOwner, PresenceStore } from '@cloudflow/platform';
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

  it('claims a new device with one create, and fences the older socket when it connects again', async () => {
    expect(await presence.claimDevice('t1', 'a1', 'till-1', 'hub-1', 'hub-1.i.c1')).toEqual({ epoch: 1 });
    const again = await presence.claimDevice('t1', 'a1', 'till-1', 'hub-2', 'hub-2.i.c7');
    expect(again.epoch).toBe(2);
    expect(again.replaced).toMatchObject({ hubId: 'hub-1', connId: 'hub-1.i.c1', epoch: 1 });
    await presence.heartbeat('hub-2'); // an owner counts only while its hub is alive
    expect(await presence.deviceOwner('t1', 'a1', 'till-1')).toMatchObject({
      hubId: 'hub-2',
      connId: 'hub-2.i.c7',
      epoch: 2,
    });
    // Another device of the account is its own first claim.
    expect(await presence.claimDevice('t1', 'a1', 'till-2', 'hub-1', 'hub-1.i.c2')).toEqual({ epoch: 1 });
  });

  it('gives racing first claims of one device distinct epochs', async () => {
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        presence.claimDevice('t1', 'a1', 'till-race', 'hub-1', `hub-1.i.r${i}`),
      ),
    );
    expect(new Set(claims.map((c) => c.epoch)).size).toBe(8);
    expect(claims.filter((c) => c.epoch === 1)).toHaveLength(1);
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
