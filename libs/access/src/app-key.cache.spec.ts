import { appKeyError, CloudFlowError, ErrorCode, type AppKeyInfo } from '@cloudflow/contracts';
import type { Broadcasts, RpcClient } from '@cloudflow/platform';
import { AppKeyCache } from './app-key.cache';

const info: AppKeyInfo = {
  keyId: 'k1',
  prefix: 'cf_sbx_abcde',
  developerId: 'd1',
  kind: 'sandbox',
  status: 'active',
  groups: ['client'],
  usageLimitPerDay: 1000,
  ratePerSecond: 10,
  expiresAt: null,
};

describe('AppKeyCache', () => {
  let send: jest.Mock;
  let dropHandler: (event: { keyId: string }) => void;
  let cache: AppKeyCache;

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2030-05-01T12:00:00Z') });
    send = jest.fn(() => Promise.reject(new Error('unexpected verify')));
    const broadcasts = {
      on: jest.fn((_s: string, h: typeof dropHandler) => (dropHandler = h)),
      onReconnect: jest.fn(),
    };
    cache = new AppKeyCache({ send } as unknown as RpcClient, broadcasts as unknown as Broadcasts);
  });

  afterEach(() => jest.useRealTimers());

  const settle = () => jest.advanceTimersByTimeAsync(0);

  it('asks auth once, then serves from memory', async () => {
    send.mockResolvedValueOnce(info);
    await expect(cache.get('key')).resolves.toEqual(info);
    jest.advanceTimersByTime(2_000);
    await expect(cache.get('key')).resolves.toEqual(info);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('refreshes a busy key in the background after 2.5 s, without making the request wait', async () => {
    send.mockResolvedValueOnce(info);
    await cache.get('key');
    jest.advanceTimersByTime(3_000);
    let release: (v: AppKeyInfo) => void = () => undefined;
    send.mockReturnValueOnce(new Promise<AppKeyInfo>((r) => (release = r)));
    await expect(cache.get('key')).resolves.toEqual(info); // served while the refresh is pending
    expect(send).toHaveBeenCalledTimes(2);
    release({ ...info, groups: ['device'] });
    await settle();
    await expect(cache.get('key')).resolves.toMatchObject({ groups: ['device'] });
  });

  it('drops a key on its change broadcast', async () => {
    send.mockResolvedValueOnce(info);
    await cache.get('key');
    dropHandler({ keyId: 'k1' });
    send.mockRejectedValueOnce(appKeyError('invalid'));
    await expect(cache.get('key')).rejects.toMatchObject({ message: 'Invalid APP key' });
  });

  it('a missed broadcast still bites after 5 s: an older entry is re-verified before use', async () => {
    send.mockResolvedValueOnce(info);
    await cache.get('key');
    jest.advanceTimersByTime(5_001);
    send.mockRejectedValueOnce(appKeyError('invalid'));
    await expect(cache.get('key')).rejects.toMatchObject({ message: 'Invalid APP key' });
    // ...and the refusal is not papered over by the old entry.
    send.mockRejectedValueOnce(appKeyError('invalid'));
    await expect(cache.get('key')).rejects.toMatchObject({ message: 'Invalid APP key' });
  });

  it("repeats auth's refusal for 5 s without asking again, then asks again", async () => {
    send.mockRejectedValueOnce(appKeyError('invalid'));
    for (let i = 0; i < 3; i++)
      await expect(cache.get('wrong')).rejects.toMatchObject({ message: 'Invalid APP key' });
    expect(send).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(5_001);
    send.mockRejectedValueOnce(appKeyError('invalid'));
    await expect(cache.get('wrong')).rejects.toMatchObject({ message: 'Invalid APP key' });
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('does not remember a timeout as a refusal', async () => {
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.failed, 'timeout'));
    await expect(cache.get('other')).rejects.toMatchObject({ message: 'timeout' });
    send.mockResolvedValueOnce(info);
    await expect(cache.get('other')).resolves.toEqual(info);
  });

  it('fails closed once its answer is 5 s old while auth cannot be reached (a key revoked meanwhile never works past 5 s)', async () => {
    send.mockResolvedValueOnce(info);
    await cache.get('key');
    jest.advanceTimersByTime(4_000);
    // Within 5 s the entry serves; the background refresh failing changes nothing.
    send.mockRejectedValueOnce(
      new CloudFlowError(ErrorCode.failed, 'The auth service did not answer in time; please retry'),
    );
    await expect(cache.get('key')).resolves.toEqual(info);
    await settle();
    jest.advanceTimersByTime(1_500);
    send.mockRejectedValueOnce(
      new CloudFlowError(ErrorCode.failed, 'The auth service did not answer in time; please retry'),
    );
    await expect(cache.get('key')).rejects.toMatchObject({ code: ErrorCode.failed });
  });
});
