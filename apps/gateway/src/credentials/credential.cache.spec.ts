import {
  CloudFlowError,
  ErrorCode,
  EVENTS,
  SUBJECTS,
  type AccessRevokedEvent,
  type RpcSubject,
} from '@cloudflow/contracts';
import type { Broadcasts, RpcClient } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';
import { BEARER_INVALID_MESSAGE } from './bearer.parser';
import { ClientCredentialCache, DeviceCredentialCache } from './credential.cache';

/** A Broadcasts double that lets the test fire the events the cache subscribed to. */
function fakeBroadcasts() {
  const revoked: Array<(e: AccessRevokedEvent) => void> = [];
  const reconnects: Array<() => void> = [];
  const broadcasts = {
    on: (subject: string, handler: (e: AccessRevokedEvent) => void) => {
      if (subject !== EVENTS.accessRevoked) throw new Error(`unexpected subscription to ${subject}`);
      revoked.push(handler);
    },
    onReconnect: (hook: () => void) => reconnects.push(hook),
  } as unknown as Broadcasts;
  return {
    broadcasts,
    revoke: (e: AccessRevokedEvent) => revoked.forEach((h) => h(e)),
    reconnect: () => reconnects.forEach((h) => h()),
  };
}

/** Strict: a subject the test did not expect fails it. */
function strictRpc(subject: RpcSubject) {
  const send = jest.fn((s: string, _req: unknown): Promise<unknown> =>
    Promise.reject(new Error(`unexpected RPC ${s}`)),
  );
  const answer = <R>(impl: (req: R) => unknown) =>
    send.mockImplementation(async (s: string, req: unknown) => {
      if (s !== subject) throw new Error(`unexpected RPC ${s}`);
      return impl(req as R);
    });
  return { rpc: { send } as unknown as RpcClient, send, answer };
}

const config = (ttl = 30_000) => Object.assign(new GatewayConfig(), { CREDENTIAL_CACHE_TTL_MS: ttl });
const alice = { tenantId: 't1', accountId: 'alice' };

describe('ClientCredentialCache', () => {
  it('verifies once per bearer within the TTL, sending only the credential fields', async () => {
    const { rpc, send, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    answer(async () => alice);
    const cache = new ClientCredentialCache(rpc, fakeBroadcasts().broadcasts, config());
    const credential = Object.assign({ accountId: 'alice', apiToken: 'tok' }, { extra: 'x' });
    await expect(cache.verify('b64-a', credential)).resolves.toEqual(alice);
    await expect(cache.verify('b64-a', credential)).resolves.toEqual(alice);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.accountVerify, { accountId: 'alice', apiToken: 'tok' });
    await cache.verify('b64-other', credential);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('decodes a bearer only on a miss (verifyToken), and a decode failure asks nobody', async () => {
    const { rpc, send, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    answer(async () => alice);
    const cache = new ClientCredentialCache(rpc, fakeBroadcasts().broadcasts, config());
    const decode = jest.fn(() => ({ accountId: 'alice', apiToken: 'tok' }));
    await expect(cache.verifyToken('b64-a', decode)).resolves.toEqual(alice);
    await expect(cache.verifyToken('b64-a', decode)).resolves.toEqual(alice);
    expect(decode).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledTimes(1);
    const bad = () => {
      throw new CloudFlowError(ErrorCode.unauthorized, BEARER_INVALID_MESSAGE);
    };
    await expect(cache.verifyToken('b64-bad', bad)).rejects.toMatchObject({ code: ErrorCode.unauthorized });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('shares one round trip between concurrent misses', async () => {
    const { rpc, send, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    answer(() => new Promise((r) => setTimeout(() => r(alice), 20)));
    const cache = new ClientCredentialCache(rpc, fakeBroadcasts().broadcasts, config());
    await Promise.all([1, 2, 3].map(() => cache.verify('b', { accountId: 'alice', apiToken: 'tok' })));
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('asks again once the TTL has passed', async () => {
    const { rpc, send, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    answer(async () => alice);
    const cache = new ClientCredentialCache(rpc, fakeBroadcasts().broadcasts, config(30_000));
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      await cache.verify('b', { accountId: 'alice', apiToken: 'tok' });
      now.mockReturnValue(1_029_000);
      await cache.verify('b', { accountId: 'alice', apiToken: 'tok' });
      expect(send).toHaveBeenCalledTimes(1);
      now.mockReturnValue(1_031_000);
      await cache.verify('b', { accountId: 'alice', apiToken: 'tok' });
      expect(send).toHaveBeenCalledTimes(2);
    } finally {
      now.mockRestore();
    }
  });

  it("drops an account's entries on its revocation broadcast, and only that account's", async () => {
    const { rpc, send, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    answer(async (req: { accountId: string }) => ({ tenantId: 't1', accountId: req.accountId }));
    const events = fakeBroadcasts();
    const cache = new ClientCredentialCache(rpc, events.broadcasts, config());
    await cache.verify('a', { accountId: 'alice', apiToken: 'x' });
    await cache.verify('b', { accountId: 'bob', apiToken: 'x' });
    events.revoke({ tenantId: 't1', accountId: 'alice', scope: 'account' });
    events.revoke({ tenantId: 'other-tenant', accountId: 'bob', scope: 'account' });
    expect(cache.size).toBe(1);
    await cache.verify('b', { accountId: 'bob', apiToken: 'x' });
    expect(send).toHaveBeenCalledTimes(2);
    await cache.verify('a', { accountId: 'alice', apiToken: 'x' });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('drops everything on a NATS reconnect (a broadcast may have been missed)', async () => {
    const { rpc, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    answer(async () => alice);
    const events = fakeBroadcasts();
    const cache = new ClientCredentialCache(rpc, events.broadcasts, config());
    await cache.verify('a', { accountId: 'alice', apiToken: 'x' });
    events.reconnect();
    expect(cache.size).toBe(0);
  });

  it('does not cache an answer when a revocation arrived while it was in flight', async () => {
    const { rpc, send, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    const events = fakeBroadcasts();
    answer(async () => {
      events.revoke({ tenantId: 't1', accountId: 'alice', scope: 'account' });
      return alice;
    });
    const cache = new ClientCredentialCache(rpc, events.broadcasts, config());
    await cache.verify('a', { accountId: 'alice', apiToken: 'x' });
    expect(cache.size).toBe(0);
    await cache.verify('a', { accountId: 'alice', apiToken: 'x' });
    expect(send).toHaveBeenCalledTimes(2);
  });

  it.each([ErrorCode.unauthorized, ErrorCode.notFound, ErrorCode.invalidData])(
    'turns auth %s into the bearer 401 and caches nothing',
    async (code) => {
      const { rpc, answer } = strictRpc(SUBJECTS.auth.accountVerify);
      answer(async () => {
        throw new CloudFlowError(code, 'Invalid account credentials');
      });
      const cache = new ClientCredentialCache(rpc, fakeBroadcasts().broadcasts, config());
      const error = await cache.verify('a', { accountId: 'alice', apiToken: 'x' }).catch((e: unknown) => e);
      expect((error as CloudFlowError).toBody()).toEqual({
        errorCode: ErrorCode.unauthorized,
        errorMessage: BEARER_INVALID_MESSAGE,
      });
      expect(cache.size).toBe(0);
    },
  );

  it('passes other failures through (auth down is not the caller being wrong)', async () => {
    const { rpc, answer } = strictRpc(SUBJECTS.auth.accountVerify);
    answer(async () => {
      throw new CloudFlowError(ErrorCode.failed, 'The auth service did not answer in time; please retry');
    });
    const cache = new ClientCredentialCache(rpc, fakeBroadcasts().broadcasts, config());
    await expect(cache.verify('a', { accountId: 'alice', apiToken: 'x' })).rejects.toMatchObject({
      code: ErrorCode.failed,
    });
  });
});

describe('DeviceCredentialCache', () => {
  const till = (referenceId: string) => ({ tenantId: 't1', accountId: 'alice', referenceId });

  it('verifies over auth.deviceCredential.verify with the three credential fields', async () => {
    const { rpc, send, answer } = strictRpc(SUBJECTS.auth.deviceVerify);
    answer(async () => till('till-7'));
    const cache = new DeviceCredentialCache(rpc, fakeBroadcasts().broadcasts, config());
    await expect(cache.verify('d', { model: 'A920', serialNumber: 'SN1', apiToken: 't' })).resolves.toEqual(
      till('till-7'),
    );
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.deviceVerify, {
      model: 'A920',
      serialNumber: 'SN1',
      apiToken: 't',
    });
  });

  it('drops one device on a device revocation, and every device of the account on an account one', async () => {
    const { rpc, answer } = strictRpc(SUBJECTS.auth.deviceVerify);
    answer(async (req: { serialNumber: string }) => till(req.serialNumber));
    const events = fakeBroadcasts();
    const cache = new DeviceCredentialCache(rpc, events.broadcasts, config());
    for (const ref of ['till-1', 'till-2', 'till-3'])
      await cache.verify(ref, { model: 'A920', serialNumber: ref, apiToken: 't' });
    events.revoke({ tenantId: 't1', accountId: 'alice', referenceId: 'till-2', scope: 'device' });
    expect(cache.size).toBe(2);
    events.revoke({ tenantId: 't1', accountId: 'alice', scope: 'account', deleted: true });
    expect(cache.size).toBe(0);
  });
});
