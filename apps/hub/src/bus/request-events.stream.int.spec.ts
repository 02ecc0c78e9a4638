import { REQUEST_EVENTS } from '@cloudflow/contracts';
import { ensureRequestEventsStream } from '@cloudflow/platform';
import { startNats, type NatsHandle } from '@cloudflow/testing';
import { connect, nanos, RetentionPolicy, StorageType, type NatsConnection } from 'nats';

describe('the request events stream (real nats-server)', () => {
  let nats: NatsHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect(nats.connectOptions());
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('keeps events only as long as recording needs, and brings an older 7-day stream in line', async () => {
    const jsm = await nc.jetstreamManager();
    // What an older release created: device frames kept for a week.
    await jsm.streams.add({
      name: REQUEST_EVENTS.stream,
      subjects: [REQUEST_EVENTS.subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(7 * 24 * 3_600_000),
      duplicate_window: nanos(120_000),
      num_replicas: 1,
    });
    await ensureRequestEventsStream(nc, 1);
    const info = await jsm.streams.info(REQUEST_EVENTS.stream);
    expect(info.config.max_age).toBe(nanos(24 * 3_600_000));
    expect(info.config.duplicate_window).toBe(nanos(120_000));

    // A replica change is reconciled too where the server takes it (a lone 2.9 server records it).
    await jsm.streams.update(REQUEST_EVENTS.stream, { max_age: nanos(3_600_000) });
    await ensureRequestEventsStream(nc, 3);
    expect((await jsm.streams.info(REQUEST_EVENTS.stream)).config.max_age).toBe(nanos(24 * 3_600_000));
    await ensureRequestEventsStream(nc, 1);
    expect((await jsm.streams.info(REQUEST_EVENTS.stream)).config.num_replicas).toBe(1);
  });
});
