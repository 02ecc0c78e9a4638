import { EVENTS, SUBJECTS, type AccountRecord, type DeviceRecord } from '@cloudflow/contracts';
import type { Broadcasts, RpcClient } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';
import { RelayLookup } from './relay-lookup';

type Event = { tenantId: string; accountId: string; referenceId?: string; scope?: string };

/** A Broadcasts double that lets the test fire the two change events the lookup must hang on. */
function fakeBroadcasts() {
  const handlers = new Map<string, Array<(e: Event) => void>>();
  const reconnects: Array<() => void> = [];
  const broadcasts = {
    on: (subject: string, handler: (e: Event) => void) => {
      if (subject !== EVENTS.accessRevoked && subject !== EVENTS.relayDataChanged)
        throw new Error(`unexpected subscription to ${subject}`);
      handlers.set(subject, [...(handlers.get(subject) ?? []), handler]);
    },
    onReconnect: (hook: () => void) => reconnects.push(hook),
  } as unknown as Broadcasts;
  const fire = (subject: string, e: Event) => (handlers.get(subject) ?? []).forEach((h) => h(e));
  return { broadcasts, fire, reconnect: () => reconnects.forEach((h) => h()) };
}

/** Strict RPC double: answers admin's two lookups from mutable tables, anything else fails. */
function adminDouble() {
  const accounts = new Map<string, AccountRecord>();
  const devices = new Map<string, DeviceRecord>();
  const send = jest.fn(
    async (
      subject: string,
      req: { tenantId: string; accountId: string; referenceId?: string },
    ): Promise<unknown> => {
      if (subject === SUBJECTS.admin.accountGet)
        return { ...accounts.get(`${req.tenantId}/${req.accountId}`)! };
      if (subject === SUBJECTS.admin.deviceGet)
        return { ...devices.get(`${req.tenantId}/${req.accountId}/${req.referenceId}`)! };
      if (subject === SUBJECTS.admin.deviceGetMany) {
        const ids = (req as unknown as { referenceIds: string[] }).referenceIds;
        const found = ids
          .map((id) => devices.get(`${req.tenantId}/${req.accountId}/${id}`))
          .filter((d) => d !== undefined);
        return { devices: found.map((d) => ({ ...d })) };
      }
      throw new Error(`unexpected RPC ${subject}`);
    },
  );
  const account = (tenantId: string, accountId: string, webhookUrl: string | null) =>
    accounts.set(`${tenantId}/${accountId}`, {
      tenantId,
      accountId,
      name: accountId,
      connectionLimit: 5,
      webhookUrl,
    });
  const device = (tenantId: string, accountId: string, referenceId: string, enabled: boolean) =>
    devices.set(`${tenantId}/${accountId}/${referenceId}`, {
      tenantId,
      clientAccountId: accountId,
      referenceId,
      enabled,
    } as unknown as DeviceRecord);
  return { rpc: { send } as unknown as RpcClient, send, account, device };
}

const config = (ms = 5000) => Object.assign(new GatewayConfig(), { RELAY_LOOKUP_CACHE_MS: ms });

describe('RelayLookup', () => {
  it('asks admin once per account and device within the TTL', async () => {
    const admin = adminDouble();
    admin.account('t1', 'a', 'https://hook.example/a');
    admin.device('t1', 'a', 'till-1', true);
    const lookup = new RelayLookup(admin.rpc, fakeBroadcasts().broadcasts, config());
    for (let i = 0; i < 3; i++) {
      await expect(lookup.account('t1', 'a')).resolves.toMatchObject({
        webhookUrl: 'https://hook.example/a',
      });
      await expect(lookup.device('t1', 'a', 'till-1')).resolves.toMatchObject({ enabled: true });
    }
    expect(admin.send).toHaveBeenCalledTimes(2);
  });

  it('a disabled device is seen at once after its accessRevoked broadcast, other devices stay cached', async () => {
    const admin = adminDouble();
    admin.device('t1', 'a', 'till-1', true);
    admin.device('t1', 'a', 'till-2', true);
    const events = fakeBroadcasts();
    const lookup = new RelayLookup(admin.rpc, events.broadcasts, config());
    await lookup.device('t1', 'a', 'till-1');
    await lookup.device('t1', 'a', 'till-2');
    admin.device('t1', 'a', 'till-1', false);
    events.fire(EVENTS.accessRevoked, {
      tenantId: 't1',
      accountId: 'a',
      referenceId: 'till-1',
      scope: 'device',
    });
    await expect(lookup.device('t1', 'a', 'till-1')).resolves.toMatchObject({ enabled: false });
    await lookup.device('t1', 'a', 'till-2');
    expect(admin.send).toHaveBeenCalledTimes(3);
  });

  it("an account change drops the account and all of its devices, and no other account's", async () => {
    const admin = adminDouble();
    admin.account('t1', 'a', 'https://old.example');
    admin.account('t1', 'b', 'https://b.example');
    admin.device('t1', 'a', 'till-1', true);
    admin.device('t1', 'ab', 'till-1', true);
    const events = fakeBroadcasts();
    const lookup = new RelayLookup(admin.rpc, events.broadcasts, config());
    await Promise.all([
      lookup.account('t1', 'a'),
      lookup.account('t1', 'b'),
      lookup.device('t1', 'a', 'till-1'),
      lookup.device('t1', 'ab', 'till-1'),
    ]);
    admin.account('t1', 'a', null);
    events.fire(EVENTS.relayDataChanged, { tenantId: 't1', accountId: 'a' });
    await expect(lookup.account('t1', 'a')).resolves.toMatchObject({ webhookUrl: null });
    await Promise.all([
      lookup.account('t1', 'b'),
      lookup.device('t1', 'a', 'till-1'),
      lookup.device('t1', 'ab', 'till-1'),
    ]);
    // Re-asked: account a and its device; account b and account "ab"'s device (a prefix look-alike) stayed.
    expect(admin.send).toHaveBeenCalledTimes(4 + 2);
  });

  it('asks again after at most RELAY_LOOKUP_CACHE_MS even without a broadcast, and after a NATS reconnect', async () => {
    const admin = adminDouble();
    admin.device('t1', 'a', 'till-1', true);
    const events = fakeBroadcasts();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      const lookup = new RelayLookup(admin.rpc, events.broadcasts, config(5000));
      await lookup.device('t1', 'a', 'till-1');
      admin.device('t1', 'a', 'till-1', false);
      now.mockReturnValue(1_004_999);
      await expect(lookup.device('t1', 'a', 'till-1')).resolves.toMatchObject({ enabled: true });
      now.mockReturnValue(1_005_000);
      await expect(lookup.device('t1', 'a', 'till-1')).resolves.toMatchObject({ enabled: false });
      events.reconnect();
      await lookup.device('t1', 'a', 'till-1');
      expect(admin.send).toHaveBeenCalledTimes(3);
    } finally {
      now.mockRestore();
    }
  });

  it('reloads the entries in use ahead of expiry, one deviceGetMany per account, and never past the 5 s bound', async () => {
    const admin = adminDouble();
    admin.account('t1', 'a', 'https://hook.example/a');
    for (const id of ['till-1', 'till-2', 'idle']) admin.device('t1', 'a', id, true);
    const events = fakeBroadcasts();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      const lookup = new RelayLookup(admin.rpc, events.broadcasts, config(5000));
      await Promise.all([
        lookup.account('t1', 'a'),
        lookup.device('t1', 'a', 'till-1'),
        lookup.device('t1', 'a', 'till-2'),
        lookup.device('t1', 'a', 'idle'),
      ]);
      // Read again (in use); "idle" is not.
      await Promise.all([
        lookup.account('t1', 'a'),
        lookup.device('t1', 'a', 'till-1'),
        lookup.device('t1', 'a', 'till-2'),
      ]);
      expect(admin.send).toHaveBeenCalledTimes(4);
      now.mockReturnValue(1_002_000);
      await lookup.refreshAhead();
      expect(admin.send).toHaveBeenCalledTimes(4); // not yet half the TTL old
      admin.device('t1', 'a', 'till-1', false);
      now.mockReturnValue(1_002_500);
      await lookup.refreshAhead();
      expect(admin.send).toHaveBeenCalledTimes(6);
      expect(admin.send).toHaveBeenCalledWith(SUBJECTS.admin.deviceGetMany, {
        tenantId: 't1',
        accountId: 'a',
        referenceIds: ['till-1', 'till-2'],
      });
      // Past the first load's expiry the reloaded entries answer without a round trip, the change seen.
      now.mockReturnValue(1_007_000);
      await expect(lookup.device('t1', 'a', 'till-1')).resolves.toMatchObject({ enabled: false });
      await lookup.device('t1', 'a', 'till-2');
      await lookup.account('t1', 'a');
      expect(admin.send).toHaveBeenCalledTimes(6);
      // The reloaded entries are as old as the moment admin was asked: 5 s after it, asked again.
      now.mockReturnValue(1_007_500);
      await lookup.device('t1', 'a', 'till-2');
      // The unread one was left to expire.
      await lookup.device('t1', 'a', 'idle');
      expect(admin.send).toHaveBeenCalledTimes(8);
    } finally {
      now.mockRestore();
    }
  });

  it('does not keep a reload that was running when a broadcast dropped the device', async () => {
    const admin = adminDouble();
    admin.device('t1', 'a', 'till-1', true);
    const events = fakeBroadcasts();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      const lookup = new RelayLookup(admin.rpc, events.broadcasts, config(5000));
      await lookup.device('t1', 'a', 'till-1');
      await lookup.device('t1', 'a', 'till-1');
      now.mockReturnValue(1_003_000);
      const reload = lookup.refreshAhead();
      admin.device('t1', 'a', 'till-1', false);
      events.fire(EVENTS.accessRevoked, {
        tenantId: 't1',
        accountId: 'a',
        referenceId: 'till-1',
        scope: 'device',
      });
      await reload;
      await expect(lookup.device('t1', 'a', 'till-1')).resolves.toMatchObject({ enabled: false });
    } finally {
      now.mockRestore();
    }
  });

  it('refuses a TTL above 5 s in the config', async () => {
    const { validate } = await import('class-validator');
    const errors = await validate(config(5001));
    expect(errors.map((e) => e.property)).toContain('RELAY_LOOKUP_CACHE_MS');
  });
});
