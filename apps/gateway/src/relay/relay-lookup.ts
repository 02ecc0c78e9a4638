import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS, type AccountRecord, type DeviceRecord } from '@cloudflow/contracts';
import { Broadcasts, RpcClient } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';
import { ExpiringCache } from './expiring-cache';

/** Accounts and devices one gateway remembers at most (each a few hundred bytes). */
const MAX_ACCOUNTS = 10_000;
const MAX_DEVICES = 50_000;

/**
 * Account settings and device records from admin, cached for the async request path (issue 11:
 * two admin round trips per POST were a fifth of the system's CPU). Every gateway replica hears
 * admin's and auth's broadcasts (no queue group), so a change drops the copies on all of them
 * at once; RELAY_LOOKUP_CACHE_MS (at most 5 s, as a disabled device must stop working within
 * 5 s) bounds a missed broadcast, and a NATS reconnect drops everything.
 */
@Injectable()
export class RelayLookup {
  private readonly accounts: ExpiringCache<AccountRecord>;
  private readonly devices: ExpiringCache<DeviceRecord>;

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    config: GatewayConfig,
  ) {
    this.accounts = new ExpiringCache(config.RELAY_LOOKUP_CACHE_MS, MAX_ACCOUNTS);
    this.devices = new ExpiringCache(config.RELAY_LOOKUP_CACHE_MS, MAX_DEVICES);
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
    return this.accounts.get(accountKey(tenantId, accountId), () =>
      this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId }),
    );
  }

  device(tenantId: string, accountId: string, referenceId: string): Promise<DeviceRecord> {
    return this.devices.get(deviceKey(tenantId, accountId, referenceId), () =>
      this.rpc.send(SUBJECTS.admin.deviceGet, { tenantId, accountId, referenceId }),
    );
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
