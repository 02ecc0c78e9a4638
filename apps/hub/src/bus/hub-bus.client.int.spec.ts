import { connectionSubject, type BusMessage } from '@cloudflow/contracts';
import {
  CORRELATION_HEADER,
  currentCorrelationId,
  NatsConnectionOwner,
  runWithCorrelation,
} from '@cloudflow/platform';
import { startNats, type NatsHandle } from '@cloudflow/testing';
import { headers } from 'nats';
import { HubBus } from './hub-bus.client';

/** Issue 9, hole 12: bus messages are validated on receipt and carry the correlation id. */
describe('HubBus (real nats-server)', () => {
  let nats: NatsHandle;
  let owner: NatsConnectionOwner;
  let bus: HubBus;
  const routed: Array<{ connId: string; msg: BusMessage; correlationId?: string }> = [];
  const text = new TextEncoder();
  const read = new TextDecoder();
  const frame = {
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId: 'r-1',
    target: 'till-7',
    payload: {},
  };

  beforeAll(async () => {
    nats = await startNats();
    owner = new NatsConnectionOwner(nats.url, 'hub-bus-spec');
    bus = new HubBus(owner);
    await bus.listen('hub-x', async (connId, msg) => {
      routed.push({ connId, msg, correlationId: currentCorrelationId() });
      return { ok: true };
    });
  }, 60_000);
  afterAll(async () => {
    await owner?.onApplicationShutdown();
    await nats?.stop();
  });
  beforeEach(() => (routed.length = 0));

  async function rawRequest(body: string, correlationId?: string): Promise<unknown> {
    const nc = await owner.connection();
    const h = headers();
    if (correlationId) h.set(CORRELATION_HEADER, correlationId);
    const reply = await nc.request(connectionSubject('hub-x.c1'), text.encode(body), {
      timeout: 3000,
      headers: h,
    });
    return JSON.parse(read.decode(reply.data));
  }

  it.each([
    ['not JSON', '{deliver'],
    [
      'a deliver without its frame, deadline or epoch',
      JSON.stringify({ kind: 'deliver', requester: 'acct' }),
    ],
    [
      'a deliver whose frame breaks the envelope rules',
      JSON.stringify({
        kind: 'deliver',
        frame: { ...frame, requestId: 'has spaces' },
        requester: 'a',
        deadline: Date.now() + 5000,
        epoch: 1,
      }),
    ],
    ['an unknown kind', JSON.stringify({ kind: 'format-disk' })],
  ])('answers %s with invalidData and never acts on it', async (_, body) => {
    expect(await rawRequest(body)).toMatchObject({ ok: false, errorCode: 'invalidData' });
    expect(routed).toHaveLength(0);
  });

  it('routes a valid message with the sender’s correlation id', async () => {
    const msg = { kind: 'deliver', frame, requester: 'acct', deadline: Date.now() + 5000, epoch: 2 };
    expect(await rawRequest(JSON.stringify(msg), 'corr-123')).toEqual({ ok: true });
    expect(routed).toEqual([
      {
        connId: 'hub-x.c1',
        msg: expect.objectContaining({ kind: 'deliver', epoch: 2 }) as BusMessage,
        correlationId: 'corr-123',
      },
    ]);
  });

  it('sends its own correlation id on requests and publishes', async () => {
    const ack = await runWithCorrelation('corr-out', () => bus.request('hub-x.c2', { kind: 'ping' }, 3000));
    expect(ack).toEqual({ ok: true });
    await runWithCorrelation('corr-pub', () => bus.publish('hub-x.c3', { kind: 'ping' }));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the publish never arrived')), 3000);
      const check = () =>
        routed.some((r) => r.connId === 'hub-x.c3') ? (clearTimeout(t), resolve()) : setTimeout(check, 20);
      check();
    });
    expect(routed.map((r) => [r.connId, r.correlationId])).toEqual([
      ['hub-x.c2', 'corr-out'],
      ['hub-x.c3', 'corr-pub'],
    ]);
  });
});
