import { ErrorCode, type CloudFlowMessage } from '@cloudflow/contracts';
import { recordingSocket, strictMock, type RecordingSocket } from '@cloudflow/testing';
import type { Logger } from 'pino';
import type { BusAck, BusMessage, HubBus } from '../bus/hub-bus.client';
import { Connection } from '../connections/connection';
import type { ConnectionRegistry } from '../connections/connection.registry';
import { HubConfig } from '../hub.config';
import type { HubMetrics } from '../hub.metrics';
import { InflightWatch } from './inflight.watch';

const CHECK_MS = new HubConfig().INFLIGHT_CHECK_MS;
const gone: BusAck = {
  ok: false,
  errorCode: ErrorCode.connectionLost,
  errorMessage: 'The connection is gone',
  noResponders: true,
};
const slow: BusAck = {
  ok: false,
  errorCode: ErrorCode.connectionLost,
  errorMessage: 'The connection did not answer in time',
  timedOut: true,
};

/**
 * An InflightWatch over strict mocks, on jest's fake clock (MovingRetry waits with setTimeout and
 * reads Date.now, both faked): client sockets held in a registry, and pings answered by
 * `answer(deviceConnId, msSinceStart)`.
 */
function setup(answer: (deviceConnId: string, atMs: number) => BusAck | Promise<BusAck>) {
  const start = Date.now();
  const held = new Map<string, { conn: Connection; socket: RecordingSocket }>();
  const pings: Array<{ deviceConnId: string; atMs: number }> = [];
  const registry = {
    all: () => [...held.values()].map((h) => h.conn).values(),
    get: (connId: string) => held.get(connId)?.conn,
  };
  const bus = {
    request: jest.fn(async (deviceConnId: string, msg: BusMessage, timeoutMs: number) => {
      expect(msg).toEqual({ kind: 'ping' });
      expect(timeoutMs).toBe(1000);
      pings.push({ deviceConnId, atMs: Date.now() - start });
      return answer(deviceConnId, Date.now() - start);
    }),
  };
  const metrics = { syncOutcome: jest.fn() };
  const logger = { warn: jest.fn() };
  const watch = new InflightWatch(
    strictMock<ConnectionRegistry>('registry', registry),
    strictMock<HubBus>('bus', bus),
    new HubConfig(),
    strictMock<HubMetrics>('metrics', metrics),
    strictMock<Logger>('logger', logger),
  );
  /** A POS socket `connId` waiting on `requests` (requestId → device connection id). */
  const pos = (connId: string, requests: Record<string, string>) => {
    const socket = recordingSocket(`pos ${connId}`);
    const conn = new Connection({ kind: 'client', tenantId: 't', accountId: 'acc' }, socket.ws, connId);
    for (const [requestId, deviceConnId] of Object.entries(requests))
      conn.clientInflight.set(requestId, {
        deviceConnId,
        target: 'till-1',
        type: 'payment',
        startedAt: Date.now(),
      });
    held.set(connId, { conn, socket });
    return { conn, socket };
  };
  /** The frames a socket got, as the POS reads them. */
  const heard = (socket: RecordingSocket) =>
    (socket.sent as CloudFlowMessage[]).map((f) => ({
      type: f.type,
      to: f.originatingRequestId,
      ...(f.payload as object),
    }));
  const pingsTo = (deviceConnId: string) => pings.filter((p) => p.deviceConnId === deviceConnId);
  return { watch, bus, metrics, logger, pos, heard, pings, pingsTo, elapsed: () => Date.now() - start };
}

const lost = (to: string) => ({
  type: 'flowException',
  to,
  errorCode: ErrorCode.connectionLost,
  errorMessage: "Device 'till-1' lost its connection before answering; the outcome is unknown",
  dispatched: true,
});

describe('InflightWatch', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('a device connection answering "no responders" for 1.5 s: each requester told connectionLost once, within about 2 s', async () => {
    const s = setup((deviceConnId) => (deviceConnId === 'hub-b.c9' ? gone : { ok: true }));
    const a = s.pos('hub-a.c1', { r1: 'hub-b.c9', r2: 'hub-b.c9' });
    const b = s.pos('hub-a.c2', { r3: 'hub-b.c9', r4: 'hub-c.c1' });
    s.watch.onModuleInit();

    // Just before the window is spent: asked again and again, nobody told yet.
    await jest.advanceTimersByTimeAsync(CHECK_MS + 1_400);
    expect(s.pingsTo('hub-b.c9').length).toBeGreaterThan(3);
    expect(s.heard(a.socket)).toEqual([]);

    await jest.advanceTimersByTimeAsync(200);
    expect(s.heard(a.socket)).toEqual([lost('r1'), lost('r2')]);
    expect(s.heard(b.socket)).toEqual([lost('r3')]);
    expect([...a.conn.clientInflight.keys()]).toEqual([]);
    expect([...b.conn.clientInflight.keys()]).toEqual(['r4']);
    expect(s.metrics.syncOutcome.mock.calls).toEqual([
      ['payment', 'connectionLost'],
      ['payment', 'connectionLost'],
      ['payment', 'connectionLost'],
    ]);

    // Later checks still run (hub-c.c1 pinged on each) and tell nobody again.
    const before = s.pingsTo('hub-c.c1').length;
    await jest.advanceTimersByTimeAsync(3 * CHECK_MS);
    expect(s.pingsTo('hub-c.c1').length).toBe(before + 3);
    expect(s.heard(a.socket)).toHaveLength(2);
    expect(s.heard(b.socket)).toHaveLength(1);
    expect(s.metrics.syncOutcome).toHaveBeenCalledTimes(3);
    s.watch.onApplicationShutdown();
  });

  it('"no responders" that ends within the window (a hub between NATS nodes): nobody told', async () => {
    const recoversAt = CHECK_MS + 300;
    const s = setup((_, atMs) => (atMs < recoversAt ? gone : { ok: true }));
    const a = s.pos('hub-a.c1', { r1: 'hub-b.c9' });
    s.watch.onModuleInit();
    await jest.advanceTimersByTimeAsync(CHECK_MS + 1_500 + 4 * CHECK_MS);
    const confirming = s.pings.filter((p) => p.atMs < recoversAt);
    expect(confirming.length).toBeGreaterThan(2);
    // The confirmation ended with its first "still there"; the checks after it ping once each.
    const after = s.pings.slice(confirming.length + 1).map((p) => p.atMs);
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(after.every((at) => at % CHECK_MS === 0)).toBe(true);
    expect(new Set(after).size).toBe(after.length);
    expect(s.heard(a.socket)).toEqual([]);
    expect([...a.conn.clientInflight.keys()]).toEqual(['r1']);
    expect(s.metrics.syncOutcome).not.toHaveBeenCalled();
    s.watch.onApplicationShutdown();
  });

  it('a ping that times out counts as still there (a busy hub): one ping per check, nobody told', async () => {
    const s = setup(() => slow);
    const a = s.pos('hub-a.c1', { r1: 'hub-b.c9' });
    s.watch.onModuleInit();
    await jest.advanceTimersByTimeAsync(6 * CHECK_MS);
    expect(s.pings.map((p) => p.atMs)).toEqual([1, 2, 3, 4, 5, 6].map((n) => n * CHECK_MS));
    expect(s.heard(a.socket)).toEqual([]);
    expect([...a.conn.clientInflight.keys()]).toEqual(['r1']);
    s.watch.onApplicationShutdown();
  });

  it('a request settled or moved to another device while it was confirming is not told', async () => {
    const s = setup((deviceConnId) => (deviceConnId === 'hub-b.c9' ? gone : { ok: true }));
    const a = s.pos('hub-a.c1', { r1: 'hub-b.c9', r2: 'hub-b.c9', r3: 'hub-b.c9' });
    s.watch.onModuleInit();
    await jest.advanceTimersByTimeAsync(CHECK_MS + 100);
    a.conn.settleClient('r1'); // its final answer came
    a.conn.clientInflight.get('r2')!.deviceConnId = 'hub-d.c2'; // resent to the device's new socket
    await jest.advanceTimersByTimeAsync(1_500);
    expect(s.heard(a.socket)).toEqual([lost('r3')]);
    expect([...a.conn.clientInflight.keys()]).toEqual(['r2']);
    s.watch.onApplicationShutdown();
  });

  it('a failed check is logged and the next one runs', async () => {
    let fail = true;
    const s = setup(() => {
      if (fail) throw new Error('bus down');
      return { ok: true };
    });
    s.pos('hub-a.c1', { r1: 'hub-b.c9' });
    s.watch.onModuleInit();
    await jest.advanceTimersByTimeAsync(CHECK_MS);
    expect(s.logger.warn).toHaveBeenCalledWith({ err: new Error('bus down') }, 'in-flight check failed');
    fail = false;
    await jest.advanceTimersByTimeAsync(CHECK_MS);
    expect(s.pings.map((p) => p.atMs)).toEqual([CHECK_MS, 2 * CHECK_MS]);
    s.watch.onApplicationShutdown();
  });

  it('no waiting requests: no pings; after shutdown, no more checks', async () => {
    const s = setup(() => ({ ok: true }));
    s.pos('hub-a.c1', {});
    const b = s.pos('hub-a.c2', { r1: 'hub-b.c9' });
    s.watch.onModuleInit();
    await jest.advanceTimersByTimeAsync(2 * CHECK_MS);
    expect(s.pings.map((p) => p.deviceConnId)).toEqual(['hub-b.c9', 'hub-b.c9']);
    s.watch.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(2 * CHECK_MS);
    expect(s.pings).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
    expect(s.heard(b.socket)).toEqual([]);
  });
});
