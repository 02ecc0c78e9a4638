import { REQUEST_EVENTS, type CloudFlowMessage, type RequestEvent } from '@cloudflow/contracts';
import { CORRELATION_HEADER, runWithCorrelation, type NatsConnectionOwner } from '@cloudflow/platform';
import { recordingSocket, strictMock } from '@cloudflow/testing';
import {
  nanos,
  type JetStreamManager,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type NatsError,
  type PublishOptions,
} from 'nats';
import type { Logger } from 'pino';
import { Connection } from '../connections/connection';
import { HubConfig } from '../hub.config';
import { RequestEventsPublisher, type RequestEventInput } from './request-events.publisher';

const text = new TextEncoder();
const read = new TextDecoder();

/** One publish to the stream: what it carried, and how the test makes the stream answer it. */
interface Publish {
  subject: string;
  body: unknown;
  headers?: MsgHdrs;
  /** A PubAck, a refusal (`{ error }`), or 503 ("no responders": JetStream not there). */
  answer(reply: object | 503): void;
}

/**
 * The NATS connection the publisher uses (the stream check through jetstreamManager, publishes
 * with a reply inbox): each publish is kept until the test answers it, or answered at once by
 * `auto`.
 */
function fakeStream(opts: { auto?: (p: Publish) => object | 503 | undefined } = {}) {
  const publishes: Publish[] = [];
  const arrivals: Array<() => void> = [];
  let inbox: ((err: NatsError | null, msg: Msg) => void) | undefined;
  const streams = {
    info: jest.fn(async () => ({ config: { max_age: nanos(REQUEST_EVENTS.maxAgeMs), num_replicas: 1 } })),
  };
  const jetstreamManager = jest.fn(async () =>
    strictMock<JetStreamManager>('jsm', { streams } as unknown as Partial<JetStreamManager>),
  );
  const nc = strictMock<NatsConnection>('nc', {
    options: {},
    jetstreamManager,
    subscribe: jest.fn((_subject: string, o?: { callback?: (err: NatsError | null, msg: Msg) => void }) => {
      inbox = o!.callback;
      return strictMock('subscription');
    }),
    publish: jest.fn((subject: string, data?: Uint8Array, o?: PublishOptions) => {
      const p: Publish = {
        subject,
        body: JSON.parse(read.decode(data)),
        headers: o?.headers,
        answer: (reply) =>
          queueMicrotask(() =>
            inbox!(
              null,
              strictMock<Msg>('ack', {
                subject: o!.reply!,
                data: reply === 503 ? new Uint8Array(0) : text.encode(JSON.stringify(reply)),
                headers: reply === 503 ? ({ code: 503 } as unknown as MsgHdrs) : undefined,
              }),
            ),
          ),
      };
      publishes.push(p);
      const auto = opts.auto?.(p);
      if (auto !== undefined) p.answer(auto);
      arrivals.splice(0).forEach((wake) => wake());
    }),
  } as unknown as Partial<NatsConnection>);
  const owner = strictMock<NatsConnectionOwner>('nats', {
    connection: jest.fn(async () => nc),
    jetStreamReplicas: 1,
  });
  /** Resolves once `n` publishes have been made in all. */
  const published = async (n: number): Promise<Publish[]> => {
    while (publishes.length < n) await new Promise<void>((wake) => arrivals.push(wake));
    return publishes;
  };
  return { nc, owner, streams, jetstreamManager, publishes, published };
}

const pubAck = (seq: number) => ({ stream: REQUEST_EVENTS.stream, seq });

function setup(stream = fakeStream(), config = new HubConfig()) {
  const logger = { error: jest.fn() };
  const publisher = new RequestEventsPublisher(stream.owner, config, strictMock<Logger>('logger', logger));
  return { ...stream, publisher, logger };
}

const till = (connId: string) =>
  new Connection(
    { kind: 'device', tenantId: 't', accountId: 'acc', referenceId: 'till-1' },
    recordingSocket(`device ${connId}`).ws,
    connId,
  );

const answer = (
  requestId: string,
  payload: Record<string, unknown> = { outcome: 'FULFILLED' },
): CloudFlowMessage => ({
  type: 'paymentResponse',
  format: 'appflow',
  version: '2.1.2',
  requestId,
  originatingRequestId: 'r1',
  payload,
});
const reply = (requestId: string, index: number, eventId?: string): RequestEventInput => ({
  kind: 'reply',
  mode: 'sync',
  requestId: 'r1',
  index,
  origin: 'device',
  message: answer(requestId),
  ...(eventId ? { eventId } : {}),
});

describe('RequestEventsPublisher', () => {
  it('one event alone: a plain object on the stream subject, its event id the message id, the correlation id in a header', async () => {
    const s = setup(fakeStream({ auto: () => pubAck(1) }));
    const conn = till('hub-a.c1');
    const taken = runWithCorrelation('corr-7', () => s.publisher.publish(conn, reply('m1', 1, 'ev-1')));
    expect(await taken).toBe(true);
    expect(s.publishes).toHaveLength(1);
    const [p] = s.publishes;
    expect(p.subject).toBe(REQUEST_EVENTS.subject);
    expect(p.body).toEqual({
      eventId: 'ev-1',
      kind: 'reply',
      mode: 'sync',
      tenantId: 't',
      accountId: 'acc',
      target: 'till-1',
      connId: 'hub-a.c1',
      requestId: 'r1',
      index: 1,
      origin: 'device',
      at: expect.any(String) as string,
      message: answer('m1'),
    });
    expect(p.headers?.get('Nats-Msg-Id')).toBe('ev-1');
    expect(p.headers?.get(CORRELATION_HEADER)).toBe('corr-7');
    // The stream is made sure of once, not per publish.
    expect(await s.publisher.publish(conn, reply('m2', 2))).toBe(true);
    expect(s.streams.info).toHaveBeenCalledTimes(1);
  });

  it('without an event id, a fresh one, which is also the message id', async () => {
    const s = setup(fakeStream({ auto: () => pubAck(1) }));
    await s.publisher.publish(till('hub-a.c1'), reply('m1', 1));
    const [p] = s.publishes;
    const { eventId } = p.body as RequestEvent;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.headers?.get('Nats-Msg-Id')).toBe(eventId);
  });

  it('masks card numbers in what goes to the stream, never in the message it was given', async () => {
    const s = setup(fakeStream({ auto: () => pubAck(1) }));
    const input = { ...reply('m1', 1), message: answer('m1', { pan: '4111111111111111', cvv: '123' }) };
    await s.publisher.publish(till('hub-a.c1'), input);
    const { message } = s.publishes[0].body as RequestEvent;
    expect(JSON.stringify(message)).not.toContain('4111111111111111');
    expect(message.payload).not.toHaveProperty('cvv');
    expect(input.message.payload).toEqual({ pan: '4111111111111111', cvv: '123' });
  });

  it('what one turn produces while a publish is on its way leaves as one array, under a fresh message id', async () => {
    const s = setup();
    const first = s.publisher.publish(till('hub-a.c1'), reply('m0', 1, 'ev-0'));
    const [p0] = await s.published(1);
    const second = s.publisher.publish(till('hub-a.c2'), reply('m1', 1, 'ev-1'));
    const held = await s.published(2);
    // Both slots taken (two batches on their way): what comes now collects.
    const later = ['hub-a.c3', 'hub-a.c4', 'hub-a.c5'].map((connId, i) =>
      runWithCorrelation(`corr-${i}`, () => s.publisher.publish(till(connId), reply(`n${i}`, 1, `ev-n${i}`))),
    );
    p0.answer(pubAck(1));
    held[1].answer(pubAck(2));
    expect(await Promise.all([first, second])).toEqual([true, true]);
    const [, , batch] = await s.published(3);
    expect((batch.body as RequestEvent[]).map((e) => e.eventId)).toEqual(['ev-n0', 'ev-n1', 'ev-n2']);
    expect(batch.headers?.get('Nats-Msg-Id')).toMatch(/^[0-9a-f-]{36}$/);
    // Events of several requests: none's correlation id speaks for the batch.
    expect(batch.headers?.get(CORRELATION_HEADER)).toBe('');
    batch.answer(pubAck(3));
    expect(await Promise.all(later)).toEqual([true, true, true]);
  });

  it('a device connection’s next event waits for its previous one to be taken; another connection’s does not', async () => {
    const s = setup();
    const a = till('hub-a.c1');
    const first = s.publisher.publish(a, reply('m1', 1, 'ev-a1'));
    const [p1] = await s.published(1);
    const next = s.publisher.publish(a, reply('m2', 2, 'ev-a2'));
    const other = s.publisher.publish(till('hub-a.c2'), reply('x', 1, 'ev-b1'));
    // The other connection's event got the free slot: by then a's next one would have too, were it not held.
    const [, p2] = await s.published(2);
    expect((p2.body as RequestEvent).eventId).toBe('ev-b1');
    p2.answer(pubAck(2));
    expect(await other).toBe(true);
    expect(s.publishes).toHaveLength(2);
    p1.answer(pubAck(1));
    expect(await first).toBe(true);
    const [, , p3] = await s.published(3);
    expect((p3.body as RequestEvent).eventId).toBe('ev-a2');
    p3.answer(pubAck(3));
    expect(await next).toBe(true);
  });

  it.each([
    ['no responders (JetStream away)', 503 as const],
    ['a refusal', { error: { code: 503, description: 'stream offline' } }],
    ['an ack without a sequence', { stream: REQUEST_EVENTS.stream }],
  ])('after %s it tries again with the same message id, the stream checked again', async (_, refusal) => {
    const s = setup(fakeStream({ auto: (p) => (s.publishes.indexOf(p) === 0 ? refusal : pubAck(1)) }));
    expect(await s.publisher.publish(till('hub-a.c1'), reply('m1', 1, 'ev-1'))).toBe(true);
    expect(s.publishes.map((p) => p.headers?.get('Nats-Msg-Id'))).toEqual(['ev-1', 'ev-1']);
    expect(s.publishes[1].body).toEqual(s.publishes[0].body);
    expect(s.streams.info).toHaveBeenCalledTimes(2);
    expect(s.logger.error).not.toHaveBeenCalled();
  });

  it('a stream check that fails is tried again before anything is published', async () => {
    const stream = fakeStream({ auto: () => pubAck(1) });
    stream.jetstreamManager.mockRejectedValueOnce(new Error('jetstream not enabled'));
    const s = setup(stream);
    expect(await s.publisher.publish(till('hub-a.c1'), reply('m1', 1, 'ev-1'))).toBe(true);
    expect(s.jetstreamManager).toHaveBeenCalledTimes(2);
    expect(s.publishes).toHaveLength(1);
  });

  it('refused until STREAM_PUBLISH_TIMEOUT_MS is spent: false, logged without the payloads', async () => {
    const config = new HubConfig();
    config.STREAM_PUBLISH_TIMEOUT_MS = 350;
    const s = setup(
      fakeStream({ auto: () => ({ error: { description: 'maximum bytes exceeded' } }) }),
      config,
    );
    const started = Date.now();
    const input = { ...reply('m1', 1, 'ev-1'), message: answer('m1', { pan: '4111111111111111' }) };
    expect(await s.publisher.publish(till('hub-a.c1'), input)).toBe(false);
    // Tries after pauses of 100 and 200 ms; the next pause (300) would pass the deadline.
    expect(s.publishes).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(350);
    expect(s.logger.error).toHaveBeenCalledTimes(1);
    const [fields, line] = s.logger.error.mock.calls[0] as [{ err: Error; events: unknown }, string];
    expect(line).toBe('the stream did not take request events');
    expect(fields.err.message).toBe('stream refused the events: maximum bytes exceeded');
    expect(fields.events).toEqual([{ requestId: 'r1', eventId: 'ev-1', type: 'paymentResponse' }]);
    expect(JSON.stringify(fields)).not.toContain('4111');
  });
});
