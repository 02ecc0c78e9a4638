import { ErrorCode, type AccountRecord, type CloudFlowMessage } from '@cloudflow/contracts';
import { MetricsService } from '@cloudflow/platform';
import { recordingSocket, strictMock, type RecordingSocket } from '@cloudflow/testing';
import type { BusAck, BusMessage, HubBus } from '../bus/hub-bus.client';
import type { RequestEventInput, RequestEventsPublisher } from '../bus/request-events.publisher';
import { Connection } from '../connections/connection';
import type { ConnectionRegistry } from '../connections/connection.registry';
import { HubConfig } from '../hub.config';
import { HubMetrics } from '../hub.metrics';
import type { RelayLookup } from '../lookup/relay-lookup.cache';
import { DeviceFrames } from './device-frames.service';

const payment = (requestId: string): CloudFlowMessage => ({
  type: 'payment',
  format: 'appflow',
  version: '2.1.2',
  requestId,
  target: 'till-7',
  payload: {},
});

describe('DeviceFrames', () => {
  let published: Array<{ connId: string; msg: BusMessage }>;
  let replyAnswers: BusAck[];
  let recorded: RequestEventInput[];
  let frames: DeviceFrames;
  /** A sync delivery to the device from client connection c1, in time and for the current epoch. */
  let deliver: (requestId: string) => Promise<BusAck>;
  const flowEvent = (requestId: string, originatingRequestId: string): CloudFlowMessage => ({
    type: 'flowEvent',
    format: 'appflow',
    version: '1',
    requestId,
    originatingRequestId,
    payload: {},
  });
  let device: Connection;
  let socket: RecordingSocket;
  let sent: CloudFlowMessage[];
  let registry: ConnectionRegistry;
  let config: HubConfig;
  /** What the fake stream answers: the PubAck (true) or a refusal after all retries (false); held while `hold` is set. */
  let accept: boolean;
  let hold: Promise<void> | undefined;

  beforeEach(() => {
    accept = true;
    hold = undefined;
    published = [];
    replyAnswers = [];
    const bus = strictMock<HubBus>('bus', {
      publish: async (connId: string, msg: BusMessage) => void published.push({ connId, msg }),
      // Final replies are asked (to see "no responders"); each answer of `replyAnswers` in turn, then ok.
      request: async (connId: string, msg: BusMessage): Promise<BusAck> => {
        published.push({ connId, msg });
        return replyAnswers.shift() ?? { ok: true };
      },
    });
    recorded = [];
    const events = strictMock<RequestEventsPublisher>('events', {
      publish: async (_conn: Connection, input: RequestEventInput) => {
        recorded.push(input);
        await hold;
        return accept;
      },
    });
    const lookup = strictMock<RelayLookup>('lookup', {
      account: async (tenantId: string, accountId: string): Promise<AccountRecord> => ({
        tenantId,
        accountId,
        name: 'Shop',
        connectionLimit: 10,
        webhookUrl: null,
        requestTimeoutSeconds: 150,
      }),
    });
    registry = strictMock<ConnectionRegistry>('registry', { draining: false });
    config = Object.assign(new HubConfig(), { INFLIGHT_GRACE_MS: 0 });
    frames = new DeviceFrames(
      bus,
      events,
      lookup,
      registry,
      config,
      new HubMetrics(new MetricsService('hub-test'), registry, config),
    );
    deliver = (requestId) =>
      frames.onBus(device, {
        kind: 'deliver',
        frame: payment(requestId),
        replyConnId: 'c1',
        requester: 'a',
        deadline: Date.now() + 5000,
        epoch: 0,
      });
    socket = recordingSocket('device socket');
    sent = socket.sent as CloudFlowMessage[];
    device = new Connection(
      { kind: 'device', tenantId: 't', accountId: 'a', referenceId: 'till-7' },
      socket.ws,
    );
  });

  it('writes a delivery to the socket, stamping source and target', async () => {
    const ack = await frames.onBus(device, {
      kind: 'deliver',
      frame: payment('r1'),
      replyConnId: 'c1',
      requester: 'acct-1',
      deadline: Date.now() + 5000,
      epoch: 0,
    });
    expect(ack).toEqual({ ok: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ requestId: 'r1', source: 'acct-1', target: 'till-7' });
  });

  it('refuses a second request while one is in flight (busy) and a reused requestId', async () => {
    await deliver('r1');
    expect(await deliver('r2')).toMatchObject({ ok: false, errorCode: 'preconditionFailed' });
    expect(await deliver('r1')).toMatchObject({ ok: false, errorCode: 'duplicateItem' });
    expect(sent).toHaveLength(1);
  });

  it('routes events and the final answer back to the requester, then accepts the next request', async () => {
    await deliver('r1');
    await frames.handle(device, {
      type: 'flowEvent',
      format: 'appflow',
      version: '1',
      requestId: 'e1',
      originatingRequestId: 'r1',
      payload: { stage: 'insert card' },
    });
    await frames.handle(device, {
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId: 'f1',
      originatingRequestId: 'r1',
      payload: { outcome: 'FULFILLED' },
    });
    expect(
      published.map((p) => [p.connId, p.msg.kind, (p.msg as { frame: CloudFlowMessage }).frame.type]),
    ).toEqual([
      ['c1', 'reply', 'flowEvent'],
      ['c1', 'reply', 'paymentResponse'],
    ]);
    expect(await deliver('r2')).toEqual({ ok: true });
  });

  it("sends the final answer again while the requester's hub is between NATS nodes (no responders, or not confirmed), not after an answer", async () => {
    const gone: BusAck = {
      ok: false,
      errorCode: ErrorCode.connectionLost,
      errorMessage: 'gone',
      noResponders: true,
    };
    replyAnswers = [gone, gone];
    await deliver('r1');
    const final = (requestId: string, originatingRequestId: string): CloudFlowMessage => ({
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId,
      originatingRequestId,
      payload: { outcome: 'FULFILLED' },
    });
    await frames.handle(device, final('f1', 'r1'));
    const finals = () =>
      published.filter((p) => (p.msg as { frame: CloudFlowMessage }).frame.requestId === 'f1');
    for (let i = 0; i < 100 && finals().length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(finals().map((p) => p.connId)).toEqual(['c1', 'c1', 'c1']);

    const triesOf = (requestId: string) =>
      published.filter((p) => (p.msg as { frame: CloudFlowMessage }).frame.requestId === requestId);
    // Not confirmed (lost with a connection the node closed): sent again.
    replyAnswers = [
      { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'no answer in time', timedOut: true },
    ];
    await deliver('r2');
    await frames.handle(device, final('f2', 'r2'));
    for (let i = 0; i < 100 && triesOf('f2').length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(triesOf('f2')).toHaveLength(2);

    // Answered (even with a refusal): never sent again.
    replyAnswers = [{ ok: false, errorCode: ErrorCode.invalidData, errorMessage: 'refused' }];
    await deliver('r3');
    await frames.handle(device, final('f3', 'r3'));
    // Positive signal that the first try was made, then room for a wrongful second one.
    for (let i = 0; i < 100 && triesOf('f3').length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 150));
    expect(triesOf('f3')).toHaveLength(1);
  });

  it('answers a resent delivery (its first answer was lost) as repeated, never writing it twice, also after the final answer and past the deadline', async () => {
    const resend = (requestId: string, deadline = Date.now() + 5000) =>
      frames.onBus(device, {
        kind: 'deliver',
        frame: payment(requestId),
        replyConnId: 'c1',
        requester: 'a',
        deadline,
        epoch: 0,
        resend: true,
      });
    await deliver('r1');
    expect(await resend('r1')).toEqual({ ok: true, repeated: true });
    await frames.handle(device, {
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId: 'f1',
      originatingRequestId: 'r1',
      payload: { outcome: 'FULFILLED' },
    });
    // Settled: still known to the connection, so a late resend neither writes nor looks busy.
    expect(await resend('r1', Date.now() - 1)).toEqual({ ok: true, repeated: true });
    const payments = () => sent.filter((m) => m.type === 'payment').map((m) => m.requestId);
    expect(payments()).toEqual(['r1']);
    // A resend whose first delivery never arrived is written like a first one, before its deadline only.
    expect(await resend('r2')).toEqual({ ok: true });
    expect(payments()).toEqual(['r1', 'r2']);
    expect(await resend('r3', Date.now() - 1)).toMatchObject({ ok: false });
    // Without the resend flag a reused requestId is still refused as a duplicate.
    expect(await deliver('r2')).toMatchObject({ ok: false, errorCode: 'duplicateItem' });
  });

  it('records a reply to an unknown request as a late answer for the gateways, routing nothing to any socket', async () => {
    await frames.handle(device, {
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId: 'f1',
      originatingRequestId: 'ghost',
      payload: {},
    });
    expect(published).toHaveLength(0);
    expect(sent.filter((f) => (f.type as string) !== 'ack')).toHaveLength(0);
    expect(recorded).toEqual([
      expect.objectContaining({
        kind: 'late',
        requestId: 'ghost',
        index: null,
        message: expect.objectContaining({ type: 'paymentResponse', source: 'till-7' }) as CloudFlowMessage,
      }),
    ]);
  });

  it('records a sync request once delivered, then its replies in order', async () => {
    await deliver('r1');
    await frames.handle(device, flowEvent('e1', 'r1'));
    await frames.handle(device, {
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId: 'f1',
      originatingRequestId: 'r1',
      payload: {},
    });
    expect(recorded.map((e) => [e.kind, e.mode, e.index, e.message.type])).toEqual([
      ['start', 'sync', 0, 'payment'],
      ['reply', 'sync', 1, 'flowEvent'],
      ['reply', 'sync', 2, 'paymentResponse'],
    ]);
  });

  it.each([
    ['mode', { mode: 'async' as const }],
    ["the previous release's record", { record: 'async' as const }],
  ])('sends the replies of an async request (%s) only to the request stream', async (_, asAsync) => {
    expect(
      await frames.onBus(device, {
        kind: 'deliver',
        frame: payment('r1'),
        requester: 'a',
        ...asAsync,
        deadline: Date.now() + 5000,
        epoch: 0,
      }),
    ).toEqual({ ok: true });
    await frames.handle(device, {
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId: 'f1',
      originatingRequestId: 'r1',
      payload: {},
    });
    expect(published).toHaveLength(0);
    expect(recorded.map((e) => [e.kind, e.mode, e.index, e.message.type])).toEqual([
      ['reply', 'async', 1, 'paymentResponse'],
    ]);
  });

  it('closes only for a strictly newer claim (fencing)', async () => {
    device.epoch = 5;
    await frames.onBus(device, { kind: 'replaced', epoch: 5 });
    expect(device.closed).toBe(false);
    await frames.onBus(device, { kind: 'replaced', epoch: 6 });
    expect(device.closed).toBe(true);
    expect(socket.closes).toEqual([[4409, expect.any(String)]]);
  });

  it('tells every waiting requester connectionLost when the device drops', async () => {
    await frames.onBus(device, {
      kind: 'deliver',
      frame: payment('r1'),
      replyConnId: 'c9',
      requester: 'a',
      deadline: Date.now() + 5000,
      epoch: 0,
    });
    frames.failInflight(device);
    expect(published[0]).toMatchObject({
      connId: 'c9',
      msg: {
        kind: 'reply',
        frame: {
          type: 'flowException',
          originatingRequestId: 'r1',
          payload: { errorCode: 'connectionLost', dispatched: true },
        },
      },
    });
    expect(recorded[recorded.length - 1]).toMatchObject({
      kind: 'reply',
      index: 1,
      message: { type: 'flowException', payload: { errorCode: 'connectionLost' } },
    });
  });

  it('does not write a delivery past its deadline, and frees the device for the next one (issue 9, hole 1)', async () => {
    const ack = await frames.onBus(device, {
      kind: 'deliver',
      frame: payment('r1'),
      replyConnId: 'c1',
      requester: 'a',
      deadline: Date.now() - 1,
      epoch: 0,
    });
    expect(ack).toMatchObject({ ok: false, errorCode: 'connectionLost' });
    expect(sent).toHaveLength(0);
    expect(device.deviceInflight.size).toBe(0);
    expect(recorded).toHaveLength(0);
  });

  it('does not write a delivery for another ownership epoch; the requester may look again (no responders)', async () => {
    device.epoch = 3;
    const ack = await frames.onBus(device, {
      kind: 'deliver',
      frame: payment('r1'),
      replyConnId: 'c1',
      requester: 'a',
      deadline: Date.now() + 5000,
      epoch: 2,
    });
    expect(ack).toMatchObject({ ok: false, errorCode: 'connectionLost', noResponders: true });
    expect(sent).toHaveLength(0);
    expect(
      await frames.onBus(device, {
        kind: 'deliver',
        frame: payment('r2'),
        replyConnId: 'c1',
        requester: 'a',
        deadline: Date.now() + 5000,
        epoch: 3,
      }),
    ).toEqual({ ok: true });
  });

  it('does not write a forward past its deadline', async () => {
    await deliver('r1');
    const event: CloudFlowMessage = {
      type: 'flowEvent',
      format: 'appflow',
      version: '1',
      requestId: 'e1',
      originatingRequestId: 'r1',
      payload: {},
    };
    expect(
      await frames.onBus(device, { kind: 'forward', frame: event, deadline: Date.now() - 1 }),
    ).toMatchObject({ ok: false, errorCode: 'connectionLost' });
    expect(sent).toHaveLength(1);
  });

  it('takes no delivery while the hub drains (answered as no responders)', async () => {
    registry.draining = true;
    expect(await deliver('r1')).toMatchObject({ ok: false, noResponders: true });
    expect(sent).toHaveLength(0);
  });

  it('frees a device that never answers after the request timeout plus grace; its late answer is still recorded', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      await deliver('r1');
      await Promise.resolve();
      await Promise.resolve();
      expect(device.deviceInflight.has('r1')).toBe(true);
      jest.advanceTimersByTime(150_000 + 1);
      expect(device.deviceInflight.size).toBe(0);
    } finally {
      jest.useRealTimers();
    }
    await frames.handle(device, {
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId: 'f1',
      originatingRequestId: 'r1',
      payload: {},
    });
    expect(recorded[recorded.length - 1]).toMatchObject({ kind: 'late', requestId: 'r1' });
  });

  describe('acknowledging final answers (the device keeps each final until acked)', () => {
    const final = (requestId: string, originatingRequestId: string): CloudFlowMessage => ({
      type: 'paymentResponse',
      format: 'appflow',
      version: '1',
      requestId,
      originatingRequestId,
      payload: { outcome: 'FULFILLED' },
    });
    const acks = () => sent.filter((f) => (f.type as string) === 'ack');
    const settle = () => new Promise((r) => setImmediate(r));

    it('acks a final only once the stream has taken it, naming the final, and never acks events', async () => {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      await deliver('r1');
      await frames.handle(device, flowEvent('e1', 'r1'));
      await frames.handle(device, final('f1', 'r1'));
      await settle();
      // Relayed to the POS at once; the ack waits for the stream.
      expect(published.map((p) => (p.msg as { frame: CloudFlowMessage }).frame.type)).toEqual([
        'flowEvent',
        'paymentResponse',
      ]);
      expect(acks()).toHaveLength(0);
      release();
      await settle();
      expect(acks()).toEqual([
        expect.objectContaining({
          type: 'ack',
          originatingRequestId: 'f1',
          source: 'cloudflow-hub',
          target: 'till-7',
          payload: {},
        }),
      ]);
    });

    it('gives the same event id to the same final resent (so it is dropped downstream), and acks the resend too', async () => {
      await deliver('r1');
      await frames.handle(device, final('f1', 'r1'));
      await frames.handle(device, final('f1', 'r1'));
      await settle();
      const [first, again] = recorded.filter((e) => e.message.type === 'paymentResponse');
      expect([first.kind, again.kind]).toEqual(['reply', 'late']);
      expect(first.eventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(again.eventId).toBe(first.eventId);
      expect(acks().map((a) => a.originatingRequestId)).toEqual(['f1', 'f1']);
    });

    it('does not ack a final the stream would not take, and closes the socket (1013) so the device resends it', async () => {
      accept = false;
      await deliver('r1');
      await frames.handle(device, final('f1', 'r1'));
      await settle();
      expect(acks()).toHaveLength(0);
      expect(device.closed).toBe(true);
      expect(socket.closes).toEqual([[1013, expect.stringMatching(/send it again/)]]);
    });
  });
});
