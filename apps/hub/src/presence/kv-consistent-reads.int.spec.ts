import { PRESENCE } from '@cloudflow/contracts';
import { NatsConnectionOwner } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import { startNatsCluster, type NatsClusterHandle, type NatsNode } from '@cloudflow/testing';
import { connect, type NatsConnection } from 'nats';

/**
 * Presence decides whether a payment is sent ("is this device connected, on which hub, which
 * epoch"), so a read must see the last acknowledged write. A replica that is behind (here: paused
 * with SIGSTOP while the others acknowledge a claim, then resumed) must not answer for the bucket.
 * With direct get (any replica answers) this test failed: reads were handed to the paused replica,
 * which held them until the client's TIMEOUT, and a replica that is behind answers with what it has.
 */
describe('presence reads see the latest claim, also through a node that fell behind (3-node nats cluster)', () => {
  let nats: NatsClusterHandle;
  let admin: NatsConnection;
  const owners: NatsConnectionOwner[] = [];
  const only = (node: number, name: string) => {
    // A connection to that one node (the first URL of the list that starts with it).
    const owner = new NatsConnectionOwner(nats.serversFrom(node).split(',')[0], name, 3);
    owners.push(owner);
    return new PresenceStore(owner);
  };

  beforeAll(async () => {
    nats = await startNatsCluster(3);
    admin = await connect(nats.connectOptions());
  }, 90_000);
  afterAll(async () => {
    for (const node of nats?.nodes ?? []) node.child.signal('SIGCONT');
    await Promise.all(owners.map((o) => o.onApplicationShutdown()));
    await admin?.close();
    await nats?.stop();
  });

  it('reads every claim back on a lagging follower right after it resumes', async () => {
    const bootstrap = only(0, 'kv-reads-bootstrap');
    await bootstrap.heartbeat('hub-1');
    await bootstrap.claimDevice('t1', 'a1', 'till-1', 'hub-1', 'hub-1.i.c0');
    // The follower to pause: a node that leads neither bucket the reads touch, so writes keep a quorum.
    const jsm = await admin.jetstreamManager();
    const leaders = await Promise.all(
      [PRESENCE.devicesBucket, PRESENCE.hubsBucket].map(
        async (b) => (await jsm.streams.info(`KV_${b}`)).cluster?.leader,
      ),
    );
    const k = nats.nodes.findIndex((n) => !leaders.includes(n.name));
    expect(k).toBeGreaterThanOrEqual(0);
    const lagging: NatsNode = nats.nodes[k];
    const writer = only((k + 1) % 3, 'kv-reads-writer');
    const reader = only(k, 'kv-reads-reader');
    await writer.heartbeat('hub-1');
    expect(await reader.deviceOwner('t1', 'a1', 'till-1')).toMatchObject({ connId: 'hub-1.i.c0' });

    const stale: string[] = [];
    for (let round = 1; round <= 25; round++) {
      lagging.child.signal('SIGSTOP');
      let resumed = false;
      try {
        const connId = `hub-1.i.c${round}`;
        const { epoch } = await writer.claimDevice('t1', 'a1', 'till-1', 'hub-1', connId);
        lagging.child.signal('SIGCONT');
        resumed = true;
        const seen = await reader.deviceOwner('t1', 'a1', 'till-1');
        if (seen?.epoch !== epoch || seen.connId !== connId)
          stale.push(`round ${round}: wrote epoch ${epoch}, read ${JSON.stringify(seen ?? null)}`);
      } finally {
        if (!resumed) lagging.child.signal('SIGCONT');
      }
    }
    expect(stale).toEqual([]);
  }, 120_000);
});
