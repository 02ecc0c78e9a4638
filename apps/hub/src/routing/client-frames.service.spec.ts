import { CloudFlowError, ErrorCode, type CloudFlowMessage, type DevicePresence } from '@cloudflow/contracts';
import type { UsageLimiter } from '@cloudflow/access';
import type { RequestIdsStore } from '@cloudflow/platform';
import { recordingSocket, strictMock, type RecordingSocket } from '@cloudflow/testing';
import type { BusAck, BusMessage, HubBus } from '../bus/hub-bus.client';
import { Connection } from '../connections/connection';
import type { ConnectionRegistry } from '../connections/connection.registry';
import { HubConfig } from '../hub.config';
import type { HubMetrics } from '../hub.metrics';
import type { RelayLookup } from '../lookup/relay-lookup.cache';
import { ClientFrames } from './client-frames.service';
import type { DeviceOwners } from './device-owners.cache';

const frame = (type: CloudFlowMessage['type'], requestId: string): CloudFlowMessage => ({
  type,
  format: 'appflow',
  version: '1',
  requestId,
  originatingRequestId: 'r1',
  payload: type === 'flowEvent' ? { stage: 'insert card' } : { outcome: 'FULFILLED' },
});

const payment = (requestId: string, target = 'till-1'): CloudFlowMessage => ({
  type: 'payment',
  format: 'appflow',
  version: '2.1.2',
  requestId,
  target,
  payload: { amounts: { baseAmount: 100, currency: 'EUR' } },
});

describe('ClientFrames replies', () => {
  it('writes a final answer the device hub sends again (its first try unconfirmed) only once; events as they come', async () => {
    const socket = recordingSocket('pos socket');
    const pos = new Connection({ kind: 'client', tenantId: 't', accountId: 'a' }, socket.ws);
    // Replies touch none of these but the metrics of a settled request (none here): any other use fails the test.
    const frames = new ClientFrames(
      strictMock<RelayLookup>('lookup'),
      strictMock<DeviceOwners>('owners'),
      strictMock<HubBus>('bus'),
      new HubConfig(),
      strictMock<RequestIdsStore>('requestIds'),
      strictMock<ConnectionRegistry>('registry'),
      strictMock<UsageLimiter>('usage'),
      strictMock<HubMetrics>('metrics'),
    );
    for (const f of [
      frame('flowEvent', 'e1'),
      frame('paymentResponse', 'f1'),
      frame('paymentResponse', 'f1'),
    ])
      expect(await frames.onBus(pos, { kind: 'reply', frame: f })).toEqual({ ok: true });
    expect((socket.sent as CloudFlowMessage[]).map((f) => f.requestId)).toEqual(['e1', 'f1']);
  });
});

type Deliver = Extract<BusMessage, { kind: 'deliver' }>;

/**
 * A client socket of account `acc` (APP key `ak`) and ClientFrames over strict mocks: a device
 * `till-1` of that account, enabled, owned by connection `hub-b.c9` (epoch 3), answered by `bus`.
 */
function setup(opts: { bus?: (connId: string, msg: BusMessage, timeoutMs: number) => Promise<BusAck> } = {}) {
  const socket: RecordingSocket = recordingSocket('pos socket');
  const pos = new Connection(
    { kind: 'client', tenantId: 't', accountId: 'acc', appKeyId: 'ak' },
    socket.ws,
    'hub-a.c1',
  );
  const owner: DevicePresence = { connId: 'hub-b.c9', epoch: 3 } as DevicePresence;
  const lookup = {
    device: jest.fn(async (_t: string, _a: string, referenceId: string) => ({ referenceId, enabled: true })),
    account: jest.fn(async () => ({ requestTimeoutSeconds: 60 })),
  };
  const owners = { owner: jest.fn(async (): Promise<DevicePresence | undefined> => owner) };
  const requests: Array<{ connId: string; msg: BusMessage; timeoutMs: number }> = [];
  const answer = opts.bus ?? (async (): Promise<BusAck> => ({ ok: true }));
  const bus = {
    request: jest.fn(async (connId: string, msg: BusMessage, timeoutMs: number) => {
      requests.push({ connId, msg, timeoutMs });
      return answer(connId, msg, timeoutMs);
    }),
  };
  const requestIds = {
    reserve: jest.fn(async (): Promise<boolean> => true),
    release: jest.fn(async (): Promise<void> => undefined),
  };
  const registry = { draining: false };
  const usage = { countPayment: jest.fn() };
  const metrics = { syncOutcome: jest.fn(), syncFinal: jest.fn() };
  const config = new HubConfig();
  const frames = new ClientFrames(
    strictMock<RelayLookup>('lookup', lookup as unknown as Partial<RelayLookup>),
    strictMock<DeviceOwners>('owners', owners),
    strictMock<HubBus>('bus', bus),
    config,
    strictMock<RequestIdsStore>('requestIds', requestIds),
    strictMock<ConnectionRegistry>('registry', registry),
    strictMock<UsageLimiter>('usage', usage),
    strictMock<HubMetrics>('metrics', metrics),
  );
  const exceptions = () =>
    (socket.sent as CloudFlowMessage[]).map((f) => {
      expect(f.type).toBe('flowException');
      return { originatingRequestId: f.originatingRequestId, ...(f.payload as object) };
    });
  return {
    socket,
    pos,
    owner,
    lookup,
    owners,
    bus,
    requests,
    requestIds,
    registry,
    usage,
    metrics,
    config,
    frames,
    exceptions,
  };
}

/** A bus answer after the request's own wait: the fake clock moves by its timeout, as a real lost answer takes. */
const lostAfterWait = (_c: string, _m: BusMessage, timeoutMs: number): Promise<BusAck> => {
  jest.setSystemTime(Date.now() + timeoutMs);
  return Promise.resolve({
    ok: false,
    errorCode: ErrorCode.connectionLost,
    errorMessage: 'The connection did not answer in time',
    timedOut: true,
  });
};
const noResponders: BusAck = {
  ok: false,
  errorCode: ErrorCode.connectionLost,
  errorMessage: 'The connection is gone',
  noResponders: true,
};

describe('ClientFrames: the start of a payment', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('delivers to the device’s connection once, bills the APP key, and waits for the answer', async () => {
    const s = setup();
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.lookup.device).toHaveBeenCalledWith('t', 'acc', 'till-1');
    expect(s.requestIds.reserve).toHaveBeenCalledWith('t', 'acc', 'r1');
    expect(s.owners.owner).toHaveBeenCalledWith('t', 'acc', 'till-1', false);
    expect(s.requests).toHaveLength(1);
    const { connId, msg, timeoutMs } = s.requests[0];
    expect(connId).toBe('hub-b.c9');
    expect(msg).toEqual({
      kind: 'deliver',
      frame: expect.objectContaining({
        requestId: 'r1',
        source: 'acc',
        target: 'till-1',
      }) as CloudFlowMessage,
      replyConnId: 'hub-a.c1',
      requester: 'acc',
      deadline: Date.now() + s.config.DELIVERY_TIMEOUT_MS,
      epoch: 3,
    });
    expect((msg as Deliver).resend).toBeUndefined();
    expect(timeoutMs).toBe(1000); // one attempt's wait (deliverWithResend), not the whole deadline
    expect(s.usage.countPayment).toHaveBeenCalledWith('ak', 'sync');
    expect(s.pos.clientInflight.get('r1')).toMatchObject({
      deviceConnId: 'hub-b.c9',
      target: 'till-1',
      type: 'payment',
    });
    expect(s.socket.sent).toEqual([]);
    expect(s.requestIds.release).not.toHaveBeenCalled();
    expect(s.metrics.syncOutcome).not.toHaveBeenCalled();
  });

  it('a `request` is not billed as a payment', async () => {
    const s = setup();
    await s.frames.handle(s.pos, { ...payment('r1'), type: 'request' });
    expect(s.requests).toHaveLength(1);
    expect(s.usage.countPayment).not.toHaveBeenCalled();
  });

  it('says "outcome unknown" (connectionLost, dispatched) once the account’s request timeout passes without a final', async () => {
    const s = setup();
    await s.frames.handle(s.pos, payment('r1'));
    jest.advanceTimersByTime(59_999);
    expect(s.socket.sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(s.exceptions()).toEqual([
      expect.objectContaining({
        originatingRequestId: 'r1',
        errorCode: ErrorCode.connectionLost,
        dispatched: true,
      }),
    ]);
    expect(s.pos.clientInflight.has('r1')).toBe(false);
    expect(s.metrics.syncOutcome).toHaveBeenCalledWith('payment', 'connectionLost');
  });

  it('a final answer before the timeout ends the wait: no timeout exception follows', async () => {
    const s = setup();
    await s.frames.handle(s.pos, payment('r1'));
    const final = { ...frame('paymentResponse', 'f1'), originatingRequestId: 'r1' };
    expect(await s.frames.onBus(s.pos, { kind: 'reply', frame: final })).toEqual({ ok: true });
    expect(s.metrics.syncFinal).toHaveBeenCalledWith('payment', final);
    jest.advanceTimersByTime(120_000);
    expect((s.socket.sent as CloudFlowMessage[]).map((f) => f.type)).toEqual(['paymentResponse']);
  });

  it('uses the default timeout when the account cannot be read', async () => {
    const s = setup();
    s.lookup.account.mockRejectedValueOnce(new Error('admin down'));
    await s.frames.handle(s.pos, payment('r1'));
    jest.advanceTimersByTime(s.config.REQUEST_TIMEOUT_DEFAULT_S * 1000 - 1);
    expect(s.socket.sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(s.exceptions()).toEqual([
      expect.objectContaining({ errorCode: ErrorCode.connectionLost, dispatched: true }),
    ]);
  });

  it('"no responders" and no owner on a fresh read: connectionLost, not dispatched, the requestId given back', async () => {
    const s = setup({ bus: async () => noResponders });
    s.owners.owner.mockResolvedValueOnce(s.owner).mockResolvedValueOnce(undefined);
    const done = s.frames.handle(s.pos, payment('r1'));
    await jest.advanceTimersByTimeAsync(25); // MovingRetry's first pause
    await done;
    expect(s.owners.owner.mock.calls).toEqual([
      ['t', 'acc', 'till-1', false],
      ['t', 'acc', 'till-1', true],
    ]);
    expect(s.requests).toHaveLength(1);
    expect(s.exceptions()).toEqual([
      expect.objectContaining({
        originatingRequestId: 'r1',
        errorCode: ErrorCode.connectionLost,
        dispatched: false,
      }),
    ]);
    expect(s.requestIds.release).toHaveBeenCalledWith('t', 'acc', 'r1');
    expect(s.metrics.syncOutcome).toHaveBeenCalledWith('payment', 'rejected');
    expect(s.pos.clientInflight.has('r1')).toBe(false);
    expect(s.usage.countPayment).not.toHaveBeenCalled();
  });

  it('"no responders" from a stale owner: asks the fresh owner, and delivers there', async () => {
    const answers: BusAck[] = [noResponders, { ok: true }];
    const s = setup({ bus: async () => answers.shift()! });
    s.owners.owner
      .mockResolvedValueOnce(s.owner)
      .mockResolvedValueOnce({ connId: 'hub-c.c2', epoch: 4 } as DevicePresence);
    const done = s.frames.handle(s.pos, payment('r1'));
    await jest.advanceTimersByTimeAsync(25);
    await done;
    expect(s.requests.map((r) => [r.connId, (r.msg as Deliver).epoch])).toEqual([
      ['hub-b.c9', 3],
      ['hub-c.c2', 4],
    ]);
    expect(s.pos.clientInflight.get('r1')?.deviceConnId).toBe('hub-c.c2');
    expect(s.socket.sent).toEqual([]);
    expect(s.requestIds.release).not.toHaveBeenCalled();
    expect(s.usage.countPayment).toHaveBeenCalledTimes(1);
  });

  it('"no responders" for as long as a connection move takes, then gives up: not dispatched', async () => {
    const s = setup({ bus: async () => noResponders });
    const done = s.frames.handle(s.pos, payment('r1'));
    await jest.advanceTimersByTimeAsync(6_000);
    await done;
    expect(s.requests.length).toBeGreaterThan(2);
    expect((s.owners.owner.mock.calls as unknown[][]).slice(1).every((c) => c[3] === true)).toBe(true);
    expect(s.exceptions()).toEqual([
      expect.objectContaining({ errorCode: ErrorCode.connectionLost, dispatched: false }),
    ]);
    expect(s.requestIds.release).toHaveBeenCalledTimes(1);
  });

  it('the device not connected at all: connectionLost, not dispatched, nothing sent on the bus', async () => {
    const s = setup();
    s.owners.owner.mockResolvedValue(undefined);
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.bus.request).not.toHaveBeenCalled();
    expect(s.exceptions()).toEqual([
      expect.objectContaining({ errorCode: ErrorCode.connectionLost, dispatched: false }),
    ]);
    expect(s.requestIds.release).toHaveBeenCalledWith('t', 'acc', 'r1');
  });

  it('unconfirmed: resends the same delivery (marked resend) until deadline and margin pass, then connectionLost, dispatched', async () => {
    const s = setup({ bus: lostAfterWait });
    const start = Date.now();
    await s.frames.handle(s.pos, payment('r1'));
    const until = start + s.config.DELIVERY_TIMEOUT_MS + s.config.DELIVERY_MARGIN_MS;
    expect(s.requests.length).toBe((until - start) / 1000);
    expect(s.requests.every((r) => r.connId === 'hub-b.c9')).toBe(true);
    expect((s.requests[0].msg as Deliver).resend).toBeUndefined();
    expect(s.requests.slice(1).every((r) => (r.msg as Deliver).resend === true)).toBe(true);
    const deadlines = new Set(s.requests.map((r) => (r.msg as Deliver).deadline));
    expect([...deadlines]).toEqual([start + s.config.DELIVERY_TIMEOUT_MS]);
    expect(s.exceptions()).toEqual([
      expect.objectContaining({
        originatingRequestId: 'r1',
        errorCode: ErrorCode.connectionLost,
        dispatched: true,
      }),
    ]);
    // The device may have it: the id stays taken, no second owner is asked.
    expect(s.requestIds.release).not.toHaveBeenCalled();
    expect(s.owners.owner).toHaveBeenCalledTimes(1);
    expect(s.metrics.syncOutcome).toHaveBeenCalledWith('payment', 'connectionLost');
    expect(s.pos.clientInflight.has('r1')).toBe(false);
  });

  it('an answer lost once and confirmed by the resend: delivered', async () => {
    let n = 0;
    const s = setup({
      bus: (c, m, ms) =>
        n++ === 0 ? lostAfterWait(c, m, ms) : Promise.resolve({ ok: true, repeated: true }),
    });
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.requests).toHaveLength(2);
    expect((s.requests[1].msg as Deliver).resend).toBe(true);
    expect(s.socket.sent).toEqual([]);
    expect(s.pos.clientInflight.has('r1')).toBe(true);
    expect(s.usage.countPayment).toHaveBeenCalledTimes(1);
  });

  it('a busy device: its refusal, the requestId given back, counted as rejected', async () => {
    const s = setup({
      bus: async () => ({
        ok: false,
        errorCode: ErrorCode.preconditionFailed,
        errorMessage: "Device 'till-1' is busy with request 'r0'",
      }),
    });
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([
      {
        originatingRequestId: 'r1',
        errorCode: ErrorCode.preconditionFailed,
        errorMessage: "Device 'till-1' is busy with request 'r0'",
      },
    ]);
    expect(s.requestIds.release).toHaveBeenCalledWith('t', 'acc', 'r1');
    expect(s.metrics.syncOutcome).toHaveBeenCalledWith('payment', 'rejected');
    expect(s.pos.clientInflight.has('r1')).toBe(false);
    expect(s.usage.countPayment).not.toHaveBeenCalled();
  });

  it('a refusal as connectionLost from the device’s hub (past its deadline) says not dispatched', async () => {
    const s = setup({
      bus: async () => ({
        ok: false,
        errorCode: ErrorCode.connectionLost,
        errorMessage: 'Past its deadline',
      }),
    });
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([
      expect.objectContaining({ errorCode: ErrorCode.connectionLost, dispatched: false }),
    ]);
    expect(s.requestIds.release).toHaveBeenCalled();
  });

  it('a duplicate on the device: the id stays taken, not counted', async () => {
    const s = setup({
      bus: async () => ({
        ok: false,
        errorCode: ErrorCode.duplicateItem,
        errorMessage: "Request 'r1' is already in flight",
      }),
    });
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([expect.objectContaining({ errorCode: ErrorCode.duplicateItem })]);
    expect(s.requestIds.release).not.toHaveBeenCalled();
    expect(s.metrics.syncOutcome).not.toHaveBeenCalled();
  });

  it('a requestId already used (the cluster’s store refuses it): duplicateItem, nothing sent', async () => {
    const s = setup();
    s.requestIds.reserve.mockResolvedValue(false);
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([
      expect.objectContaining({ originatingRequestId: 'r1', errorCode: ErrorCode.duplicateItem }),
    ]);
    expect(s.bus.request).not.toHaveBeenCalled();
    expect(s.owners.owner).not.toHaveBeenCalled();
    expect(s.requestIds.release).not.toHaveBeenCalled();
  });

  it('a requestId in flight on this socket: duplicateItem before any lookup', async () => {
    const s = setup();
    await s.frames.handle(s.pos, payment('r1'));
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([
      {
        originatingRequestId: 'r1',
        errorCode: ErrorCode.duplicateItem,
        errorMessage: "Request 'r1' is already in flight",
      },
    ]);
    expect(s.lookup.device).toHaveBeenCalledTimes(1);
    expect(s.requests).toHaveLength(1);
  });

  it('the requestId store failing: storageFailed, nothing sent', async () => {
    const s = setup();
    s.requestIds.reserve.mockRejectedValue(new Error('no KV leader'));
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([expect.objectContaining({ errorCode: ErrorCode.storageFailed })]);
    expect(s.bus.request).not.toHaveBeenCalled();
    expect(s.metrics.syncOutcome).toHaveBeenCalledWith('payment', 'rejected');
  });

  it('a device not of the client’s own account: notFound, as if it did not exist; no id reserved', async () => {
    const s = setup();
    s.lookup.device.mockRejectedValue(new CloudFlowError(ErrorCode.notFound, 'Not found'));
    await s.frames.handle(s.pos, payment('r1', 'other-till'));
    expect(s.lookup.device).toHaveBeenCalledWith('t', 'acc', 'other-till');
    expect(s.exceptions()).toEqual([
      {
        originatingRequestId: 'r1',
        errorCode: ErrorCode.notFound,
        errorMessage: "Device 'other-till' does not exist",
      },
    ]);
    expect(s.requestIds.reserve).not.toHaveBeenCalled();
    expect(s.bus.request).not.toHaveBeenCalled();
    expect(s.metrics.syncOutcome).toHaveBeenCalledWith('payment', 'rejected');
  });

  it('a disabled device: preconditionFailed', async () => {
    const s = setup();
    s.lookup.device.mockResolvedValue({ referenceId: 'till-1', enabled: false });
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([
      expect.objectContaining({
        errorCode: ErrorCode.preconditionFailed,
        errorMessage: "Device 'till-1' is disabled",
      }),
    ]);
    expect(s.requestIds.reserve).not.toHaveBeenCalled();
  });

  it('a lookup that fails otherwise: failed, retry (the cause is not shown)', async () => {
    const s = setup();
    s.lookup.device.mockRejectedValue(new Error('ECONNRESET internal detail'));
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([
      expect.objectContaining({
        errorCode: ErrorCode.failed,
        errorMessage: 'Device lookup failed; please retry',
      }),
    ]);
  });

  it('a draining hub takes no new request: connectionLost, not dispatched', async () => {
    const s = setup();
    s.registry.draining = true;
    await s.frames.handle(s.pos, payment('r1'));
    expect(s.exceptions()).toEqual([
      expect.objectContaining({ errorCode: ErrorCode.connectionLost, dispatched: false }),
    ]);
    expect(s.lookup.device).not.toHaveBeenCalled();
    expect(s.metrics.syncOutcome).toHaveBeenCalledWith('payment', 'rejected');
  });
});

describe('ClientFrames: other frames', () => {
  const event = (type: 'flowEvent' | 'cancel', originatingRequestId?: string): CloudFlowMessage => ({
    type,
    format: 'appflow',
    version: '1',
    requestId: `${type}-1`,
    ...(originatingRequestId ? { originatingRequestId } : {}),
    payload: {},
  });

  it.each(['flowEvent', 'cancel'] as const)(
    'forwards a %s to the device connection working on the request, with a deadline',
    async (type) => {
      jest.useFakeTimers({ now: 1_000_000 });
      try {
        const s = setup();
        await s.frames.handle(s.pos, payment('r1'));
        await s.frames.handle(s.pos, event(type, 'r1'));
        expect(s.requests).toHaveLength(2);
        expect(s.requests[1]).toEqual({
          connId: 'hub-b.c9',
          msg: {
            kind: 'forward',
            frame: expect.objectContaining({
              type,
              requestId: `${type}-1`,
              source: 'acc',
            }) as CloudFlowMessage,
            deadline: Date.now() + s.config.DELIVERY_TIMEOUT_MS,
          },
          timeoutMs: s.config.DELIVERY_TIMEOUT_MS + s.config.DELIVERY_MARGIN_MS,
        });
        expect(s.socket.sent).toEqual([]);
      } finally {
        jest.useRealTimers();
      }
    },
  );

  it('a forward the device’s hub refuses comes back as its exception', async () => {
    const answers: BusAck[] = [
      { ok: true },
      { ok: false, errorCode: ErrorCode.notFound, errorMessage: 'No such request' },
    ];
    const s = setup({ bus: async () => answers.shift()! });
    await s.frames.handle(s.pos, payment('r1'));
    await s.frames.handle(s.pos, event('cancel', 'r1'));
    expect(s.exceptions()).toEqual([
      { originatingRequestId: 'cancel-1', errorCode: ErrorCode.notFound, errorMessage: 'No such request' },
    ]);
    s.pos.clearTimers();
  });

  it('a flowEvent for no request of this client in flight: notFound, nothing on the bus', async () => {
    const s = setup();
    await s.frames.handle(s.pos, event('flowEvent', 'r-unknown'));
    await s.frames.handle(s.pos, event('flowEvent'));
    expect(s.exceptions()).toEqual([
      {
        originatingRequestId: 'flowEvent-1',
        errorCode: ErrorCode.notFound,
        errorMessage: "No request 'r-unknown' of this client is in flight",
      },
      {
        originatingRequestId: 'flowEvent-1',
        errorCode: ErrorCode.notFound,
        errorMessage: "No request '' of this client is in flight",
      },
    ]);
    expect(s.bus.request).not.toHaveBeenCalled();
  });

  it.each(['paymentResponse', 'ack', 'flowException'])(
    'refuses a %s from a client: invalidData',
    async (type) => {
      const s = setup();
      await s.frames.handle(s.pos, { ...event('flowEvent', 'r1'), type: type as CloudFlowMessage['type'] });
      expect(s.exceptions()).toEqual([
        expect.objectContaining({
          originatingRequestId: 'flowEvent-1',
          errorCode: ErrorCode.invalidData,
          errorMessage: `A client may send payment, request, flowEvent or cancel, not ${type}`,
        }),
      ]);
      expect(s.bus.request).not.toHaveBeenCalled();
    },
  );

  it('answers a ping, and refuses other bus messages than a reply', async () => {
    const s = setup();
    expect(await s.frames.onBus(s.pos, { kind: 'ping' })).toEqual({ ok: true });
    expect(
      await s.frames.onBus(s.pos, { kind: 'forward', frame: frame('flowEvent', 'e1'), deadline: 0 }),
    ).toEqual({ ok: false, errorCode: ErrorCode.invalidData, errorMessage: 'unexpected forward' });
    expect(s.socket.sent).toEqual([]);
  });
});
