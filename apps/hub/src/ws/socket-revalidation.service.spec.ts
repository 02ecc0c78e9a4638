import {
  CloudFlowError,
  CLOSE_CODES,
  ErrorCode,
  type CredentialCheck,
  type CredentialCheckRequest,
} from '@cloudflow/contracts';
import type { Broadcasts, RpcClient } from '@cloudflow/platform';
import type { Logger } from 'pino';
import type { Connection, ConnectionIdentity } from '../connections/connection';
import type { ConnectionRegistry } from '../connections/connection.registry';
import type { RelayLookup } from '../lookup/relay-lookup.cache';
import type { UpgradeDevices } from '../lookup/upgrade-devices.client';
import { RevocationFloors } from './revocation-floors';
import { SocketRevalidation } from './socket-revalidation.service';

const T = 1_800_000_000_000;

/** An open socket as the revalidation sees it: its identity, and whether (and how) it was closed. */
function socket(identity: Partial<ConnectionIdentity>) {
  const full: ConnectionIdentity = { kind: 'client', tenantId: 't1', accountId: 'acc-1', ...identity };
  const conn = {
    identity: full,
    closed: false,
    closedWith: undefined as number | undefined,
    close(code: number) {
      conn.closed = true;
      conn.closedWith = code;
    },
  };
  return conn;
}

/** What auth and admin hold, as the hub's RPCs would report it. */
interface World {
  accounts: Map<string, { rotatedAt?: number } | 'gone'>;
  credentials: Map<string, { rotatedAt?: number }>;
  devices: Map<string, { enabled: boolean }>;
}

function setUp(conns: Array<ReturnType<typeof socket>>, world: World) {
  const asked: CredentialCheckRequest[] = [];
  const rpc = {
    send: jest.fn((subject: string, req: CredentialCheckRequest): Promise<CredentialCheck> => {
      expect(subject).toBe('auth.credential.check.v1');
      asked.push(req);
      const own = world.accounts.get(req.accountId);
      return Promise.resolve({
        ...(req.account
          ? { account: own && own !== 'gone' ? { exists: true, ...own } : { exists: false } }
          : {}),
        devices: req.referenceIds.map((referenceId) => {
          const c = world.credentials.get(referenceId);
          return c ? { referenceId, exists: true, ...c } : { referenceId, exists: false };
        }),
      });
    }),
  };
  const lookup = {
    account: (_t: string, accountId: string) =>
      world.accounts.get(accountId) === 'gone' || !world.accounts.has(accountId)
        ? Promise.reject(new CloudFlowError(ErrorCode.notFound, 'no such account'))
        : Promise.resolve({ accountId }),
  };
  const upgradeDevices = {
    get: (_t: string, _a: string, referenceId: string) => {
      const d = world.devices.get(referenceId);
      return d
        ? Promise.resolve(d)
        : Promise.reject(new CloudFlowError(ErrorCode.notFound, 'no such device'));
    },
  };
  const floors = new RevocationFloors(() => T + 10_000);
  const revalidation = new SocketRevalidation(
    { all: () => conns.values() } as unknown as ConnectionRegistry,
    rpc as unknown as RpcClient,
    lookup as unknown as RelayLookup,
    upgradeDevices as unknown as UpgradeDevices,
    floors,
    { onReconnect: () => undefined } as unknown as Broadcasts,
    { info: () => undefined, warn: () => undefined } as unknown as Logger,
  );
  return { revalidation, asked, floors, conns: conns as unknown as Connection[] };
}

describe('SocketRevalidation (after a NATS reconnect, a missed revocation)', () => {
  const healthy = (): World => ({
    accounts: new Map([['acc-1', {}]]),
    credentials: new Map([
      ['till-1', {}],
      ['till-2', {}],
    ]),
    devices: new Map([
      ['till-1', { enabled: true }],
      ['till-2', { enabled: true }],
    ]),
  });

  it('leaves every socket open when nothing changed, asking auth once per account', async () => {
    const conns = [
      socket({ issuedAtMs: T }),
      socket({ kind: 'device', referenceId: 'till-1', issuedAtMs: T }),
      socket({ kind: 'device', referenceId: 'till-2', issuedAtMs: T }),
    ];
    const { revalidation, asked } = setUp(conns, healthy());
    expect(await revalidation.checkAll()).toBe(0);
    expect(conns.map((c) => c.closed)).toEqual([false, false, false]);
    expect(asked).toEqual([
      { tenantId: 't1', accountId: 'acc-1', account: true, referenceIds: ['till-1', 'till-2'] },
    ]);
  });

  it('closes (4401) the sockets of tokens minted before a rotation it did not hear of, and refuses those tokens from then on', async () => {
    const world = healthy();
    world.accounts.set('acc-1', { rotatedAt: T + 5 });
    world.credentials.set('till-1', { rotatedAt: T + 5 });
    const oldClient = socket({ issuedAtMs: T });
    const newClient = socket({ issuedAtMs: T + 6 });
    const oldDevice = socket({ kind: 'device', referenceId: 'till-1', issuedAtMs: T });
    const other = socket({ kind: 'device', referenceId: 'till-2', issuedAtMs: T });
    const { revalidation, floors } = setUp([oldClient, newClient, oldDevice, other], world);
    expect(await revalidation.checkAll()).toBe(2);
    expect([oldClient, newClient, oldDevice, other].map((c) => c.closedWith)).toEqual([
      CLOSE_CODES.unauthorized,
      undefined,
      CLOSE_CODES.unauthorized,
      undefined,
    ]);
    expect(floors.refuses(oldClient.identity)).toBe(true);
    expect(floors.refuses(newClient.identity)).toBe(false);
  });

  it('closes the sockets of deleted credentials, disabled or deleted devices, and every socket of a deleted account', async () => {
    const world = healthy();
    world.credentials.delete('till-1');
    world.devices.set('till-2', { enabled: false });
    const deviceGone = socket({ kind: 'device', referenceId: 'till-1', issuedAtMs: T });
    const disabled = socket({ kind: 'device', referenceId: 'till-2', issuedAtMs: T });
    const client = socket({ issuedAtMs: T });
    world.accounts.set('acc-2', 'gone');
    const ofDeleted = [
      socket({ accountId: 'acc-2' }),
      socket({ accountId: 'acc-2', kind: 'device', referenceId: 'x' }),
    ];
    const { revalidation } = setUp([deviceGone, disabled, client, ...ofDeleted], world);
    expect(await revalidation.checkAll()).toBe(4);
    expect([deviceGone, disabled, client, ...ofDeleted].map((c) => c.closed)).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
  });

  it('fails the pass (to be retried) when auth cannot answer, closing nothing', async () => {
    const conns = [socket({ issuedAtMs: T })];
    const { revalidation } = setUp(conns, healthy());
    const rpc = (revalidation as unknown as { rpc: { send: jest.Mock } }).rpc;
    rpc.send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.failed, 'no responders'));
    await expect(revalidation.checkAll()).rejects.toThrow('no responders');
    expect(conns[0].closed).toBe(false);
  });

  it('asks for at most 500 devices at a time', async () => {
    const world = healthy();
    const devices = Array.from({ length: 1201 }, (_, i) => {
      world.credentials.set(`d-${i}`, {});
      world.devices.set(`d-${i}`, { enabled: true });
      return socket({ kind: 'device', referenceId: `d-${i}`, issuedAtMs: T });
    });
    const { revalidation, asked } = setUp(devices, world);
    expect(await revalidation.checkAll()).toBe(0);
    expect(asked.map((a) => [a.account, a.referenceIds.length])).toEqual([
      [false, 500],
      [false, 500],
      [false, 201],
    ]);
  });
});
