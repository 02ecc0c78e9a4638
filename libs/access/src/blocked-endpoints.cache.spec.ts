import { CloudFlowError, ErrorCode, type BlockedEndpointList } from '@cloudflow/contracts';
import type { Broadcasts, RpcClient } from '@cloudflow/platform';
import pino from 'pino';
import { BlockedEndpointsCache } from './blocked-endpoints.cache';

const list = (...prefixes: string[]): BlockedEndpointList => ({
  items: prefixes.map((p, i) => ({ id: String(i), method: 'GET', pathPrefix: p })),
});

describe('BlockedEndpointsCache', () => {
  let send: jest.Mock;
  let changed: () => void;
  let cache: BlockedEndpointsCache;

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2030-05-01T12:00:00Z') });
    send = jest.fn(() => Promise.reject(new Error('unexpected list')));
    const broadcasts = { on: jest.fn((_s: string, h: () => void) => (changed = h)), onReconnect: jest.fn() };
    cache = new BlockedEndpointsCache(
      { send } as unknown as RpcClient,
      broadcasts as unknown as Broadcasts,
      pino({ level: 'silent' }),
    );
  });

  afterEach(() => jest.useRealTimers());

  it('loads once, then matches method and path prefix from memory', async () => {
    send.mockResolvedValueOnce(list('/client/v1.0/devices'));
    expect(await cache.isBlocked('GET', '/client/v1.0/devices/till-1')).toBe(true);
    expect(await cache.isBlocked('POST', '/client/v1.0/devices')).toBe(false);
    expect(await cache.isBlocked('GET', '/client/v1.1/devices')).toBe(false);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('matches the route Express matched as well as the path, and treats HEAD as GET', async () => {
    send.mockResolvedValueOnce(list('/client/v1.0/devices/:referenceId'));
    expect(
      await cache.isBlocked('GET', '/client/v1.0/devices/till-1', '/client/v1.0/devices/:referenceId'),
    ).toBe(true);
    expect(
      await cache.isBlocked('HEAD', '/client/v1.0/devices/till-1', '/client/v1.0/devices/:referenceId'),
    ).toBe(true);
    expect(await cache.isBlocked('GET', '/client/v1.0/devices', '/client/v1.0/devices')).toBe(false);
  });

  it('reloads on the change broadcast', async () => {
    send.mockResolvedValueOnce(list());
    expect(await cache.isBlocked('GET', '/x')).toBe(false);
    send.mockResolvedValueOnce(list('/x'));
    changed();
    await jest.advanceTimersByTimeAsync(0);
    expect(await cache.isBlocked('GET', '/x')).toBe(true);
  });

  it('a missed broadcast still bites after 5 s: an older list is reloaded before use', async () => {
    send.mockResolvedValueOnce(list());
    await cache.isBlocked('GET', '/x');
    jest.advanceTimersByTime(5_001);
    send.mockResolvedValueOnce(list('/x'));
    expect(await cache.isBlocked('GET', '/x')).toBe(true);
  });

  it('keeps the last list while auth cannot be reached, and asks at most once a second', async () => {
    send.mockResolvedValueOnce(list('/x'));
    await cache.isBlocked('GET', '/x');
    jest.advanceTimersByTime(6_000);
    send.mockRejectedValue(new CloudFlowError(ErrorCode.failed, 'timeout'));
    expect(await cache.isBlocked('GET', '/x')).toBe(true);
    expect(await cache.isBlocked('GET', '/x')).toBe(true);
    expect(send).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(1_001);
    expect(await cache.isBlocked('GET', '/x')).toBe(true);
    expect(send).toHaveBeenCalledTimes(3);
  });
});
