import { PRESENCE } from '@cloudflow/contracts';
import { NatsConnectionOwner, RequestIdsStore, requestIdKey } from '@cloudflow/platform';
import { startNats, type NatsHandle } from '@cloudflow/testing';

describe('RequestIdsStore (real nats-server)', () => {
  let nats: NatsHandle;
  let owner: NatsConnectionOwner;
  let store: RequestIdsStore;

  beforeAll(async () => {
    nats = await startNats();
    owner = new NatsConnectionOwner(nats.url, 'request-ids-spec');
    store = new RequestIdsStore(owner, 72 * 3600 * 1000);
  }, 60_000);
  afterAll(async () => {
    await owner?.onApplicationShutdown();
    await nats?.stop();
  });

  it('takes an id once per account; another account or tenant has its own', async () => {
    expect(await store.reserve('t1', 'a1', 'r1')).toBe(true);
    expect(await store.reserve('t1', 'a1', 'r1')).toBe(false);
    expect(await store.reserve('t1', 'a2', 'r1')).toBe(true);
    expect(await store.reserve('t2', 'a1', 'r1')).toBe(true);
  });

  it('lets exactly one of many concurrent reservations win', async () => {
    const wins = await Promise.all(Array.from({ length: 20 }, () => store.reserve('t1', 'a1', 'race')));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('gives a released id back, once', async () => {
    expect(await store.reserve('t1', 'a1', 'r2')).toBe(true);
    await store.release('t1', 'a1', 'r2');
    expect(await store.reserve('t1', 'a1', 'r2')).toBe(true);
    expect(await store.reserve('t1', 'a1', 'r2')).toBe(false);
  });

  it('keeps ids on disk for the retention, with keys NATS accepts', async () => {
    const nc = await owner.connection();
    const status = await (await nc.jetstream().views.kv(PRESENCE.requestIdsBucket)).status();
    expect(status.ttl).toBe(72 * 3600 * 1000);
    expect(status.streamInfo.config.storage as string).toBe('file');
    expect(requestIdKey('t', 'a', 'weird id/with spaces*')).toMatch(/^[-_=a-zA-Z0-9]+$/);
  });
});
