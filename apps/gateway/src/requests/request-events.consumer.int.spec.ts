import { REQUEST_EVENTS } from '@cloudflow/contracts';
import { ensureRequestEventsConsumer, ensureRequestEventsStream } from '@cloudflow/platform';
import { startNats, type NatsHandle } from '@cloudflow/testing';
import { AckPolicy, connect, DeliverPolicy, nanos, type NatsConnection } from 'nats';

jest.setTimeout(30_000);

// Issue 9, hole 4: a consumer created by an older gateway (no max_deliver) is brought to the current limits at start.
describe('the request-event consumer on a real nats-server', () => {
  let nats: NatsHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect(nats.connectOptions());
  });
  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  it('reconciles an existing consumer that has no max_deliver, and takes a lower max_ack_pending from config', async () => {
    await ensureRequestEventsStream(nc, 1);
    const jsm = await nc.jetstreamManager();
    // What the first gateways created.
    await jsm.consumers.add(REQUEST_EVENTS.stream, {
      durable_name: REQUEST_EVENTS.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 1000,
    });
    expect((await jsm.consumers.info(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable)).config.max_deliver).toBe(
      -1,
    );

    await ensureRequestEventsConsumer(nc, 1);
    expect((await jsm.consumers.info(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable)).config).toMatchObject({
      max_deliver: 100,
      max_ack_pending: 1000,
    });

    await ensureRequestEventsConsumer(nc, 1, { maxAckPending: 10, maxDeliver: 5 });
    expect((await jsm.consumers.info(REQUEST_EVENTS.stream, REQUEST_EVENTS.durable)).config).toMatchObject({
      max_deliver: 5,
      max_ack_pending: 10,
    });
  });
});
