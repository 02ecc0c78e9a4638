import { Injectable, OnModuleDestroy } from '@nestjs/common';
import {
  EVENTS,
  GET_DEVICES_MAX,
  SUBJECTS,
  type AccountRecord,
  type DeviceRecord,
} from '@cloudflow/contracts';
import { Broadcasts, RpcClient, TtlCache } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';

/** Accounts and devices one gateway remembers at most (each a few hundred bytes). */
const MAX_ACCOUNTS = 10_000;
const MAX_DEVICES = 50_000;

/**
 * Account settings and device records from admin, cached for the async request path (issue 11:
 * two admin round trips per POST were a fifth of the system's CPU). Every gateway replica hears
 * admin's and auth's broadcasts (no queue group), so a change drops the copies on all of them
 * at once; RELAY_LOOKUP_CACHE_MS (at most 5 s, as a disabled device must stop working within
 * 5 s) bounds a missed broadcast, and a NATS reconnect drops everything.
 *
 * Entries in use are reloaded ahead of expiry (once past half their TTL), devices in one
 * `deviceGetMany` per account (up to 200 at a time): the request path then never waits for
 * admin, and admin answers about one call per account per 2.5 s instead of one per device (issue 11:
 * with 300 devices at 200 req/s the per-device reloads were ~0.6–1.8 ms of admin CPU per request).
 * A reloaded entry counts its age from when admin was asked, so the 5 s bound holds.
 */
@Injectable()
export class RelayLookup implements OnModuleDestroy {
  private readonly accounts: TtlCache<string, AccountRecord>;
  private readonly devices: TtlCache<string, DeviceRecord>;
  private readonly ttlMs: number;
  private readonly timer?: NodeJS.Timeout;
  private refreshing = false;

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    config: GatewayConfig,
  ) {
    this.ttlMs = config.RELAY_LOOKUP_CACHE_MS;
    this.accounts = new TtlCache({ ttlMs: this.ttlMs, maxEntries: MAX_ACCOUNTS });
    this.devices = new TtlCache({ ttlMs: this.ttlMs, maxEntries: MAX_DEVICES });
    if (this.ttlMs > 0) {
      // A fifth of the TTL: an entry read at any age short of ~4 s is reloaded before it expires.
      this.timer = setInterval(() => void this.refreshAhead(), Math.max(50, Math.floor(this.ttlMs / 5)));
      this.timer.unref();
    }
    const drop = (e: { tenantId: string; accountId: string; referenceId?: string }) =>
      this.drop(e.tenantId, e.accountId, e.referenceId);
    broadcasts.on(EVENTS.relayDataChanged, drop);
    broadcasts.on(EVENTS.accessRevoked, drop);
    broadcasts.onReconnect(() => {
      this.accounts.clear();
      this.devices.clear();
    });
  }

  account(tenantId: string, accountId: string): Promise<AccountRecord> {
    return this.accounts.load(accountKey(tenantId, accountId), () =>
      this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId }),
    );
  }

  device(tenantId: string, accountId: string, referenceId: string): Promise<DeviceRecord> {
    return this.devices.load(deviceKey(tenantId, accountId, referenceId), () =>
      this.rpc.send(SUBJECTS.admin.deviceGet, { tenantId, accountId, referenceId }),
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Reloads the entries in use that are past half their TTL (see the class comment); failures leave them to expire. */
  async refreshAhead(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const age = Math.floor(this.ttlMs / 2);
      const byAccount = new Map<string, { tenantId: string; accountId: string; referenceIds: string[] }>();
      for (const key of this.devices.due(age)) {
        const [tenantId, accountId, referenceId] = key.split('\u0000');
        const group = byAccount.get(accountKey(tenantId, accountId)) ?? {
          tenantId,
          accountId,
          referenceIds: [],
        };
        group.referenceIds.push(referenceId);
        byAccount.set(accountKey(tenantId, accountId), group);
      }
      const calls: Array<Promise<void>> = [];
      for (const { tenantId, accountId, referenceIds } of byAccount.values()) {
        for (let i = 0; i < referenceIds.length; i += GET_DEVICES_MAX)
          calls.push(this.reloadDevices(tenantId, accountId, referenceIds.slice(i, i + GET_DEVICES_MAX)));
      }
      for (const key of this.accounts.due(age)) {
        const [tenantId, accountId] = key.split('\u0000');
        calls.push(this.reloadAccount(tenantId, accountId));
      }
      await Promise.allSettled(calls);
    } finally {
      this.refreshing = false;
    }
  }

  private async reloadDevices(tenantId: string, accountId: string, referenceIds: string[]): Promise<void> {
    const generation = this.devices.currentGeneration;
    const askedAt = Date.now();
    const { devices } = await this.rpc.send(SUBJECTS.admin.deviceGetMany, {
      tenantId,
      accountId,
      referenceIds,
    });
    // A device missing from the answer (deleted, moved) is not refreshed: it expires, and the next miss asks for it alone.
    for (const d of devices)
      if (d.tenantId === tenantId && d.clientAccountId === accountId)
        this.devices.refresh(deviceKey(tenantId, accountId, d.referenceId), d, generation, askedAt);
  }

  private async reloadAccount(tenantId: string, accountId: string): Promise<void> {
    const generation = this.accounts.currentGeneration;
    const askedAt = Date.now();
    const account = await this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId });
    this.accounts.refresh(accountKey(tenantId, accountId), account, generation, askedAt);
  }

  /** A device event drops that device (and the account: cheap, and safe if the event was about both); an account event all of it. */
  drop(tenantId: string, accountId: string, referenceId?: string): void {
    const account = accountKey(tenantId, accountId);
    this.accounts.dropWhere((k) => k === account);
    const prefix = deviceKey(tenantId, accountId, '');
    const one = referenceId === undefined ? undefined : deviceKey(tenantId, accountId, referenceId);
    this.devices.dropWhere(one === undefined ? (k) => k.startsWith(prefix) : (k) => k === one);
  }
}

function accountKey(tenantId: string, accountId: string): string {
  return `${tenantId}\u0000${accountId}`;
}

function deviceKey(tenantId: string, accountId: string, referenceId: string): string {
  return `${tenantId}\u0000${accountId}\u0000${referenceId}`;
}
