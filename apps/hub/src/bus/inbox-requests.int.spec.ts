import { startNats, type NatsHandle } from '@cloudflow/testing';
import { connect, headers, type NatsConnection } from 'nats';
import { InboxRequests } from '@cloudflow/platform';

describe('InboxRequests (real nats-server)', () => {
  let nats: NatsHandle;
  let nc: NatsConnection;
  let requests: InboxRequests;
  const text = new TextEncoder();
  const read = new TextDecoder();

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect(nats.connectOptions());
    requests = new InboxRequests(nc);
    nc.subscribe('echo', {
      callback: (_err, msg) =>
        msg.respond(text.encode(`${read.decode(msg.data)}|${msg.headers?.get('X-Id') ?? ''}`)),
    });
    nc.subscribe('silent', { callback: () => undefined });
    await nc.flush();
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('matches each answer to its request, with headers, many at a time', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const h = headers();
        h.set('X-Id', `id-${i}`);
        return requests.request('echo', text.encode(`n${i}`), 2000, h);
      }),
    );
    answers.forEach((a, i) => expect(typeof a === 'string' ? a : read.decode(a.data)).toBe(`n${i}|id-${i}`));
  });

  it('answers noResponders at once when nobody listens', async () => {
    const started = Date.now();
    expect(await requests.request('nobody.here', text.encode('x'), 5000)).toBe('noResponders');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers timeout after the deadline when the listener stays silent', async () => {
    const started = Date.now();
    expect(await requests.request('silent', text.encode('x'), 300)).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('answers unavailable once the connection is closed', async () => {
    const other = await connect(nats.connectOptions());
    const closed = new InboxRequests(other);
    await other.close();
    expect(await closed.request('echo', text.encode('x'), 1000)).toBe('unavailable');
  });
});
