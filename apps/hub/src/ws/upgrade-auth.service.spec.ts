import { CloudFlowError, ERROR_HTTP_STATUS, ErrorCode, TOKEN_AUDIENCES } from '@cloudflow/contracts';
import type { JwtVerifier } from '@cloudflow/platform';
import type { PresenceStore } from '@cloudflow/presence';
import { strictMock } from '@cloudflow/testing';
import type { IncomingMessage } from 'node:http';
import type { ConnectionIdentity } from '../connections/connection';
import type { SlotLease, SlotReservations } from '../connections/slot-reservations.service';
import { HubConfig } from '../hub.config';
import type { RelayLookup } from '../lookup/relay-lookup.cache';
import type { UpgradeDevices } from '../lookup/upgrade-devices.client';
import type { RevocationFloors } from './revocation-floors';
import { UpgradeAuth } from './upgrade-auth.service';

function setup(claims: Record<string, unknown> | Error) {
  const jwt = {
    verify: jest.fn(async () => {
      if (claims instanceof Error) throw claims;
      return claims;
    }),
  };
  const auth = new UpgradeAuth(
    strictMock<JwtVerifier>('jwt', jwt as unknown as Partial<JwtVerifier>),
    strictMock<RelayLookup>('lookup'),
    strictMock<UpgradeDevices>('upgradeDevices'),
    strictMock<PresenceStore>('presence'),
    strictMock<SlotReservations>('slots'),
    new HubConfig(),
    strictMock<RevocationFloors>('floors'),
  );
  return { auth, jwt };
}
const req = (authorization?: string) => ({ headers: { authorization } }) as IncomingMessage;
const url = (q = '') => new URL(`ws://hub/ws${q}`);

describe('UpgradeAuth.authenticate', () => {
  it('takes the token from the Authorization header, for the websocket audience', async () => {
    const { auth, jwt } = setup({ kind: 'client', tid: 't', acc: 'a', sub: 'a', akid: 'k', ims: 1234 });
    expect(await auth.authenticate(req('Bearer tok '), url('?access_token=other'))).toEqual({
      kind: 'client',
      tenantId: 't',
      accountId: 'a',
      referenceId: undefined,
      appKeyId: 'k',
      issuedAtMs: 1234,
    });
    expect(jwt.verify).toHaveBeenCalledWith('tok', TOKEN_AUDIENCES.websocket);
  });

  it('takes it from access_token otherwise; a device is its subject, iat in ms', async () => {
    const { auth, jwt } = setup({ kind: 'device', tid: 't', acc: 'a', sub: 'till-1', iat: 5 });
    expect(await auth.authenticate(req(), url('?access_token=qtok'))).toEqual({
      kind: 'device',
      tenantId: 't',
      accountId: 'a',
      referenceId: 'till-1',
      issuedAtMs: 5000,
    });
    expect(jwt.verify).toHaveBeenCalledWith('qtok', TOKEN_AUDIENCES.websocket);
  });

  it('no token: unauthorized, nothing verified', async () => {
    const { auth, jwt } = setup({});
    await expect(auth.authenticate(req(), url())).rejects.toMatchObject({ code: ErrorCode.unauthorized });
    expect(jwt.verify).not.toHaveBeenCalled();
  });

  it('a bad or expired token: the verifier’s unauthorized', async () => {
    const { auth } = setup(new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token'));
    await expect(auth.authenticate(req('Bearer x'), url())).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
  });

  it.each([
    { kind: 'admin', tid: 't', acc: 'a', sub: 's' },
    { kind: 'client', tid: 't', sub: 's' },
  ])('claims that are not a socket’s: unauthorized (%o)', async (claims) => {
    const { auth } = setup(claims);
    await expect(auth.authenticate(req('Bearer x'), url())).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
      message: 'Invalid or expired token',
    });
  });
});

const client: ConnectionIdentity = { kind: 'client', tenantId: 't', accountId: 'acc', issuedAtMs: 1 };
const device: ConnectionIdentity = {
  kind: 'device',
  tenantId: 't',
  accountId: 'acc',
  referenceId: 'till-1',
  issuedAtMs: 1,
};

/**
 * UpgradeAuth over strict mocks for admit: account `acc` (limit `connectionLimit`), device
 * `till-1` (enabled unless told), a slot store that grants or not, revocation floors that refuse
 * on the given calls (1: before the slot, 2: after it).
 */
function admitSetup(
  opts: {
    account?: () => Promise<{ connectionLimit?: number }>;
    device?: () => Promise<{ enabled: boolean }>;
    slotFree?: boolean;
    owner?: () => Promise<unknown>;
    refusesOn?: number[];
  } = {},
) {
  const lease: SlotLease = { reserved: true, release: jest.fn(), take: jest.fn(() => true) };
  const unreservedLease: SlotLease = { reserved: false, release: jest.fn(), take: jest.fn(() => false) };
  const lookup = { account: jest.fn(opts.account ?? (async () => ({ connectionLimit: 5 }))) };
  const upgradeDevices = { get: jest.fn(opts.device ?? (async () => ({ enabled: true }))) };
  const presence = { deviceOwner: jest.fn(opts.owner ?? (async () => ({ connId: 'hub-b.c1', epoch: 1 }))) };
  const slots = {
    reserve: jest.fn(async () => (opts.slotFree === false ? undefined : lease)),
    unreserved: jest.fn(() => unreservedLease),
  };
  let checks = 0;
  const floors = { refuses: jest.fn(() => (opts.refusesOn ?? []).includes(++checks)) };
  const auth = new UpgradeAuth(
    strictMock<JwtVerifier>('jwt'),
    strictMock<RelayLookup>('lookup', lookup as unknown as Partial<RelayLookup>),
    strictMock<UpgradeDevices>('upgradeDevices', upgradeDevices as unknown as Partial<UpgradeDevices>),
    strictMock<PresenceStore>('presence', presence as unknown as Partial<PresenceStore>),
    strictMock<SlotReservations>('slots', slots),
    new HubConfig(),
    strictMock<RevocationFloors>('floors', floors),
  );
  return { auth, lease, unreservedLease, lookup, upgradeDevices, presence, slots, floors };
}

/** What the upgrade answers for a refusal: the code, its HTTP status (the one table) and the message. */
async function refusal(admitted: Promise<unknown>) {
  const error = await admitted.then(
    () => {
      throw new Error('admitted');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudFlowError);
  const { code, message } = error as CloudFlowError;
  return { code, status: ERROR_HTTP_STATUS[code], message };
}

describe('UpgradeAuth.admit', () => {
  it('a client: the account read, a slot of its limit reserved, revocation checked before and after', async () => {
    const s = admitSetup();
    expect(await s.auth.admit(client)).toBe(s.lease);
    expect(s.lookup.account).toHaveBeenCalledWith('t', 'acc');
    expect(s.slots.reserve).toHaveBeenCalledWith('t', 'acc', 5);
    expect(s.floors.refuses).toHaveBeenCalledTimes(2);
    expect(s.floors.refuses).toHaveBeenCalledWith(client);
    expect(s.upgradeDevices.get).not.toHaveBeenCalled();
    expect(s.presence.deviceOwner).not.toHaveBeenCalled();
    expect(s.lease.release).not.toHaveBeenCalled();
  });

  it('a device: read afresh and enabled, then its slot', async () => {
    const s = admitSetup();
    expect(await s.auth.admit(device)).toBe(s.lease);
    expect(s.upgradeDevices.get).toHaveBeenCalledWith('t', 'acc', 'till-1');
    expect(s.slots.reserve).toHaveBeenCalledWith('t', 'acc', 5);
    expect(s.presence.deviceOwner).not.toHaveBeenCalled();
  });

  it.each([undefined, 0])('an account naming no limit (%p) gets the default one', async (connectionLimit) => {
    const s = admitSetup({ account: async () => ({ connectionLimit }) });
    await s.auth.admit(client);
    expect(s.slots.reserve).toHaveBeenCalledWith('t', 'acc', new HubConfig().DEFAULT_CONNECTION_LIMIT);
  });

  it('an account that no longer exists: unauthorized, nothing else asked', async () => {
    const s = admitSetup({
      account: () => Promise.reject(new CloudFlowError(ErrorCode.notFound, 'Account not found')),
    });
    expect(await refusal(s.auth.admit(device))).toEqual({
      code: ErrorCode.unauthorized,
      status: 401,
      message: 'Account no longer exists',
    });
    expect(s.upgradeDevices.get).not.toHaveBeenCalled();
    expect(s.slots.reserve).not.toHaveBeenCalled();
  });

  it('a device that no longer exists: unauthorized, no slot', async () => {
    const s = admitSetup({
      device: () => Promise.reject(new CloudFlowError(ErrorCode.notFound, 'Device not found')),
    });
    expect(await refusal(s.auth.admit(device))).toEqual({
      code: ErrorCode.unauthorized,
      status: 401,
      message: 'Device no longer exists',
    });
    expect(s.slots.reserve).not.toHaveBeenCalled();
  });

  it('a disabled device: forbidden, no slot', async () => {
    const s = admitSetup({ device: async () => ({ enabled: false }) });
    expect(await refusal(s.auth.admit(device))).toEqual({
      code: ErrorCode.forbidden,
      status: 403,
      message: 'Device is disabled',
    });
    expect(s.slots.reserve).not.toHaveBeenCalled();
  });

  it.each([
    [
      'the account',
      { account: () => Promise.reject(new CloudFlowError(ErrorCode.storageFailed, 'kv down')) },
    ],
    ['the device', { device: () => Promise.reject(new CloudFlowError(ErrorCode.storageFailed, 'kv down')) }],
  ])('a failed read of %s is no refusal of the token: its own error, as it is', async (_, failing) => {
    const s = admitSetup(failing);
    expect(await refusal(s.auth.admit(device))).toEqual({
      code: ErrorCode.storageFailed,
      status: 417,
      message: 'kv down',
    });
    expect(s.slots.reserve).not.toHaveBeenCalled();
  });

  it('a non-CloudFlow failure passes through (the server answers it failed and logs it)', async () => {
    const boom = new Error('socket hang up');
    const s = admitSetup({ account: () => Promise.reject(boom) });
    await expect(s.auth.admit(client)).rejects.toBe(boom);
  });

  it('a revoked credential: unauthorized before any slot is taken', async () => {
    const s = admitSetup({ refusesOn: [1] });
    expect(await refusal(s.auth.admit(client))).toEqual({
      code: ErrorCode.unauthorized,
      status: 401,
      message: 'Credential revoked; get a new token',
    });
    expect(s.slots.reserve).not.toHaveBeenCalled();
  });

  it('a revocation arriving while the slot was reserved: the slot given back, unauthorized', async () => {
    const s = admitSetup({ refusesOn: [2] });
    expect(await refusal(s.auth.admit(client))).toEqual({
      code: ErrorCode.unauthorized,
      status: 401,
      message: 'Credential revoked; get a new token',
    });
    expect(s.slots.reserve).toHaveBeenCalledTimes(1);
    expect(s.lease.release).toHaveBeenCalledTimes(1);
  });

  it('the limit reached, a client: tooManyConnections naming the limit, no presence read', async () => {
    const s = admitSetup({ slotFree: false });
    expect(await refusal(s.auth.admit(client))).toEqual({
      code: ErrorCode.tooManyConnections,
      status: 429,
      message: 'Connection limit of 5 reached for this account',
    });
    expect(s.presence.deviceOwner).not.toHaveBeenCalled();
    expect(s.slots.unreserved).not.toHaveBeenCalled();
  });

  it('the limit reached, a device replacing its own socket: admitted without a slot', async () => {
    const s = admitSetup({ slotFree: false });
    expect(await s.auth.admit(device)).toBe(s.unreservedLease);
    expect(s.presence.deviceOwner).toHaveBeenCalledWith('t', 'acc', 'till-1');
  });

  it('…and revoked meanwhile: refused after all (its unreserved lease released)', async () => {
    const s = admitSetup({ slotFree: false, refusesOn: [2] });
    expect(await refusal(s.auth.admit(device))).toMatchObject({ code: ErrorCode.unauthorized });
    expect(s.unreservedLease.release).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['no socket of its own', async () => undefined],
    ['presence unreadable', () => Promise.reject(new Error('kv down'))],
  ])('the limit reached, a device with %s: tooManyConnections', async (_, owner) => {
    const s = admitSetup({ slotFree: false, owner });
    expect(await refusal(s.auth.admit(device))).toEqual({
      code: ErrorCode.tooManyConnections,
      status: 429,
      message: 'Connection limit of 5 reached for this account',
    });
    expect(s.slots.unreserved).not.toHaveBeenCalled();
  });
});
