import { CloudFlowError, connectionSubject, ErrorCode } from '@cloudflow/contracts';
import {
  CORRELATION_HEADER,
  currentCorrelationId,
  runWithCorrelation,
  type NatsConnectionOwner,
} from '@cloudflow/platform';
import { strictMock } from '@cloudflow/testing';
import {
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type NatsError,
  type PublishOptions,
} from 'nats';
import { HubBus, type BusAck, type BusMessage } from './hub-bus.client';

const text = new TextEncoder();
const read = new TextDecoder();
type Callback = (err: NatsError | null, msg: Msg) => void;

/**
 * A NATS connection of only what HubBus uses (subscribe, flush, publish, and the inbox prefix
 * InboxRequests reads): its subscriptions' callbacks and every publish are kept for the test.
 */
function fakeNats(onPublish: (subject: string, opts?: PublishOptions) => void = () => undefined) {
  const subscriptions = new Map<string, Callback>();
  const published: Array<{ subject: string; body: unknown; opts?: PublishOptions }> = [];
  const nc = strictMock<NatsConnection>('nc', {
    options: { inboxPrefix: '_INBOX_hub' },
    subscribe: jest.fn((subject: string, opts?: { callback?: Callback }) => {
      subscriptions.set(subject, opts!.callback!);
      return strictMock('subscription');
    }),
    flush: jest.fn(async () => undefined),
    publish: jest.fn((subject: string, data?: Uint8Array, opts?: PublishOptions) => {
      published.push({ subject, body: JSON.parse(read.decode(data)), opts });
      onPublish(subject, opts);
    }),
  } as unknown as Partial<NatsConnection>);
  const owner = strictMock<NatsConnectionOwner>('nats', { connection: jest.fn(async () => nc) });
  return { nc, owner, subscriptions, published };
}

/** A message arriving on a subject, whose answer (if it has a reply subject) resolves `answered`. */
function incoming(subject: string, body: string, opts: { reply?: string; correlationId?: string } = {}) {
  const h = headers();
  if (opts.correlationId) h.set(CORRELATION_HEADER, opts.correlationId);
  let answer!: (ack: unknown) => void;
  const answered = new Promise<unknown>((resolve) => (answer = resolve));
  const respond = jest.fn((data?: Uint8Array) => {
    answer(JSON.parse(read.decode(data)));
    return true;
  });
  const msg = strictMock<Msg>('msg', {
    subject,
    reply: opts.reply ?? '',
    data: text.encode(body),
    headers: h,
    respond,
  });
  return { msg, answered, respond };
}

describe('HubBus.listen and its routing', () => {
  async function listening(route: (connId: string, msg: BusMessage) => Promise<BusAck | void>) {
    const nats = fakeNats();
    const bus = new HubBus(nats.owner);
    await bus.listen('hub-a', route);
    const deliver = nats.subscriptions.get(connectionSubject('hub-a.*'))!;
    return { ...nats, bus, deliver };
  }

  it('subscribes once to its prefix and flushes before it resolves', async () => {
    const { bus, nc, subscriptions } = await listening(async () => undefined);
    await bus.listen('hub-a', async () => undefined);
    expect([...subscriptions.keys()]).toEqual([connectionSubject('hub-a.*')]);
    expect(nc.flush).toHaveBeenCalledTimes(1);
  });

  it('a failed connect is not remembered: the next listen tries again', async () => {
    const nc = fakeNats();
    const connection = jest
      .fn<Promise<NatsConnection>, []>()
      .mockRejectedValueOnce(new Error('no servers'))
      .mockResolvedValue(nc.nc);
    const bus = new HubBus(strictMock<NatsConnectionOwner>('nats', { connection }));
    await expect(bus.listen('hub-a', async () => undefined)).rejects.toThrow('no servers');
    await bus.listen('hub-a', async () => undefined);
    expect(nc.subscriptions.has(connectionSubject('hub-a.*'))).toBe(true);
  });

  it('routes by subject to the connection id, with the sender’s correlation id; no result answers ok', async () => {
    const routed: Array<[string, BusMessage, string | undefined]> = [];
    const { deliver } = await listening(async (connId, msg) => {
      routed.push([connId, msg, currentCorrelationId()]);
    });
    const m = incoming(connectionSubject('hub-a.c42'), JSON.stringify({ kind: 'ping' }), {
      reply: '_INBOX.x.1',
      correlationId: 'corr-1',
    });
    deliver(null, m.msg);
    expect(await m.answered).toEqual({ ok: true });
    expect(routed).toEqual([['hub-a.c42', { kind: 'ping' }, 'corr-1']]);
  });

  it('answers what the route returns', async () => {
    const { deliver } = await listening(async () => ({ ok: true, inflight: true }));
    const m = incoming(connectionSubject('hub-a.c1'), JSON.stringify({ kind: 'ping', requestId: 'r1' }), {
      reply: '_INBOX.x.2',
    });
    deliver(null, m.msg);
    expect(await m.answered).toEqual({ ok: true, inflight: true });
  });

  it.each([
    ['not JSON', '{ping'],
    ['an unknown kind', JSON.stringify({ kind: 'format-disk' })],
    ['a replaced without its epoch', JSON.stringify({ kind: 'replaced' })],
  ])('answers %s invalidData and never routes it', async (_, body) => {
    const route = jest.fn(async () => undefined);
    const { deliver } = await listening(route);
    const m = incoming(connectionSubject('hub-a.c1'), body, { reply: '_INBOX.x.3' });
    deliver(null, m.msg);
    expect(await m.answered).toMatchObject({ ok: false, errorCode: ErrorCode.invalidData });
    expect(route).not.toHaveBeenCalled();
  });

  it('a CloudFlowError from the route answers its code and message', async () => {
    const { deliver } = await listening(async () => {
      throw new CloudFlowError(ErrorCode.notFound, 'No such connection');
    });
    const m = incoming(connectionSubject('hub-a.c1'), JSON.stringify({ kind: 'replaced', epoch: 2 }), {
      reply: '_INBOX.x.4',
    });
    deliver(null, m.msg);
    expect(await m.answered).toEqual({
      ok: false,
      errorCode: ErrorCode.notFound,
      errorMessage: 'No such connection',
    });
  });

  it('any other failure answers failed', async () => {
    const { deliver } = await listening(() => Promise.reject(new Error('boom')));
    const m = incoming(connectionSubject('hub-a.c1'), JSON.stringify({ kind: 'ping' }), {
      reply: '_INBOX.x.5',
    });
    deliver(null, m.msg);
    expect(await m.answered).toEqual({ ok: false, errorCode: ErrorCode.failed, errorMessage: 'Error: boom' });
  });

  it('a message without a reply subject is routed and answered to nobody', async () => {
    const route = jest.fn(async (_connId: string, _msg: BusMessage) => undefined);
    const { deliver } = await listening(route);
    const ok = incoming(connectionSubject('hub-a.c1'), JSON.stringify({ kind: 'ping' }));
    const bad = incoming(connectionSubject('hub-a.c1'), '{ping');
    // Answers leave in arrival order: once a later message with a reply is answered, these were settled.
    const probe = incoming(connectionSubject('hub-a.c2'), JSON.stringify({ kind: 'ping' }), {
      reply: '_INBOX.x.7',
    });
    for (const m of [bad, ok, probe]) deliver(null, m.msg);
    expect(await probe.answered).toEqual({ ok: true });
    expect(route.mock.calls.map(([connId]) => connId)).toEqual(['hub-a.c1', 'hub-a.c2']);
    expect(ok.respond).not.toHaveBeenCalled();
    expect(bad.respond).not.toHaveBeenCalled();
  });

  it('a subscription error is not a message: nothing routed', async () => {
    const route = jest.fn(async () => undefined);
    const { deliver } = await listening(route);
    const m = incoming(connectionSubject('hub-a.c1'), JSON.stringify({ kind: 'ping' }), {
      reply: '_INBOX.x.6',
    });
    deliver(strictMock<NatsError>('natsError'), m.msg);
    expect(route).not.toHaveBeenCalled();
    expect(m.respond).not.toHaveBeenCalled();
  });
});

describe('HubBus.request', () => {
  /**
   * A bus whose requests are answered by `answer(reply subject)`: it calls the inbox
   * subscription back as the server would, or not at all (a timeout).
   */
  function requesting(answer: (deliver: (data: Uint8Array, h?: MsgHdrs) => void) => void) {
    const nats = fakeNats((subject, opts) => {
      if (!opts?.reply) return;
      const [prefix] = [...nats.subscriptions.keys()];
      const inbox = nats.subscriptions.get(prefix)!;
      answer((data, h) =>
        queueMicrotask(() =>
          inbox(null, strictMock<Msg>('reply', { subject: opts.reply!, data, headers: h })),
        ),
      );
    });
    return { ...nats, bus: new HubBus(nats.owner) };
  }

  it('sends to the connection subject with a reply inbox and the caller’s correlation id; returns the answer', async () => {
    const { bus, published } = requesting((send) =>
      send(text.encode(JSON.stringify({ ok: true, repeated: true }))),
    );
    const ack = await runWithCorrelation('corr-9', () => bus.request('hub-b.c7', { kind: 'ping' }, 1000));
    expect(ack).toEqual({ ok: true, repeated: true });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ subject: connectionSubject('hub-b.c7'), body: { kind: 'ping' } });
    expect(published[0].opts?.reply).toMatch(/^_INBOX_hub\./);
    expect(published[0].opts?.headers?.get(CORRELATION_HEADER)).toBe('corr-9');
  });

  it('an answer of the other side’s error is returned as it is', async () => {
    const refused = { ok: false, errorCode: ErrorCode.forbidden, errorMessage: 'Device is disabled' };
    const { bus } = requesting((send) => send(text.encode(JSON.stringify(refused))));
    expect(await bus.request('hub-b.c7', { kind: 'replaced', epoch: 1 }, 1000)).toEqual(refused);
  });

  it('no responders: connectionLost, noResponders', async () => {
    const { bus } = requesting((send) => send(new Uint8Array(0), { code: 503 } as unknown as MsgHdrs));
    expect(await bus.request('hub-b.c7', { kind: 'ping' }, 1000)).toEqual({
      ok: false,
      errorCode: ErrorCode.connectionLost,
      errorMessage: 'The connection is gone',
      noResponders: true,
    });
  });

  it('no answer in time: connectionLost, timedOut', async () => {
    const { bus } = requesting(() => undefined);
    expect(await bus.request('hub-b.c7', { kind: 'ping' }, 5)).toEqual({
      ok: false,
      errorCode: ErrorCode.connectionLost,
      errorMessage: 'The connection did not answer in time',
      timedOut: true,
    });
  });

  it('an unreadable answer: connectionLost, timedOut (whether it acted is unknown)', async () => {
    const { bus } = requesting((send) => send(text.encode(JSON.stringify({ ok: 'maybe' }))));
    expect(await bus.request('hub-b.c7', { kind: 'ping' }, 1000)).toEqual({
      ok: false,
      errorCode: ErrorCode.connectionLost,
      errorMessage: 'The connection answered unreadably',
      timedOut: true,
    });
  });

  it('a closed connection (the publish throws): connectionLost without either flag', async () => {
    const { bus } = requesting(() => {
      throw new Error('connection closed');
    });
    const ack = await bus.request('hub-b.c7', { kind: 'ping' }, 1000);
    expect(ack).toEqual({
      ok: false,
      errorCode: ErrorCode.connectionLost,
      errorMessage: 'Messaging is unavailable',
    });
  });

  it('one inbox for every request', async () => {
    const { bus, owner, subscriptions } = requesting((send) =>
      send(text.encode(JSON.stringify({ ok: true }))),
    );
    await bus.request('hub-b.c1', { kind: 'ping' }, 1000);
    await bus.request('hub-b.c2', { kind: 'ping' }, 1000);
    expect(owner.connection).toHaveBeenCalledTimes(1);
    expect(subscriptions.size).toBe(1);
  });
});

describe('HubBus.publish', () => {
  it('publishes to the connection subject with no reply, the caller’s correlation id in its headers', async () => {
    const { owner, published } = fakeNats();
    const bus = new HubBus(owner);
    await runWithCorrelation('corr-p', () => bus.publish('hub-b.c3', { kind: 'replaced', epoch: 4 }));
    await bus.publish('hub-b.c4', { kind: 'ping' });
    expect(published.map((p) => [p.subject, p.body, p.opts?.reply])).toEqual([
      [connectionSubject('hub-b.c3'), { kind: 'replaced', epoch: 4 }, undefined],
      [connectionSubject('hub-b.c4'), { kind: 'ping' }, undefined],
    ]);
    expect(published[0].opts?.headers?.get(CORRELATION_HEADER)).toBe('corr-p');
    expect(owner.connection).toHaveBeenCalledTimes(1);
  });
});
