import { PRESENCE } from '@cloudflow/contracts';
import { NatsConnectionOwner, RequestIdsStore } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import { startNatsCluster, waitFor, type NatsClusterHandle } from '@cloudflow/testing';
import { connect, StorageType, type NatsConnection } from 'nats';

/**
 * On a 3-node cluster, buckets made earlier at replicas 1 (a one-node start, an older release)
 * are brought to NATS_JS_REPLICAS=3 when a hub opens them, not silently kept at R1.
 */
describe('key-value buckets reconcile their replica count (3-node nats cluster)', () => {
  let nats: NatsClusterHandle;
  let admin: NatsConnection;
  let owner: NatsConnectionOwner;

  beforeAll(async () => {
    nats = await startNatsCluster(3);
    admin = await connect(nats.connectOptions());
    owner = new NatsConnectionOwner(nats.url, 'kv-replicas-spec', 3);
  }, 90_000);
  afterAll(async () => {
    await owner?.onApplicationShutdown();
    await admin?.close();
    await nats?.stop();
  });

  it('raises R1 presence and request-id buckets to R3', async () => {
    const js = admin.jetstream();
    await js.views.kv(PRESENCE.devicesBucket, { history: 1, storage: StorageType.Memory, replicas: 1 });
    await js.views.kv(PRESENCE.requestIdsBucket, { history: 1, storage: StorageType.File, replicas: 1 });
    const jsm = await admin.jetstreamManager();
    expect((await jsm.streams.info(`KV_${PRESENCE.devicesBucket}`)).config.num_replicas).toBe(1);

    await new PresenceStore(owner).heartbeat('hub-spec');
    expect(await new RequestIdsStore(owner, 3_600_000).reserve('t', 'a', 'r')).toBe(true);

    for (const bucket of [
      PRESENCE.devicesBucket,
      PRESENCE.lastSeenBucket,
      PRESENCE.slotsBucket,
      PRESENCE.hubsBucket,
      PRESENCE.requestIdsBucket,
    ]) {
      // Right after a replica change the stream answers 503 while its new peers join: ask again.
      const info = await waitFor(`KV_${bucket} info`, () => jsm.streams.info(`KV_${bucket}`), 20_000, 200);
      expect([bucket, info.config.num_replicas]).toEqual([bucket, 3]);
    }
  }, 60_000);
});
