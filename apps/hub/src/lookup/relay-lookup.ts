import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS, type AccountRecord, type DeviceRecord } from '@cloudflow/contracts';
import { Broadcasts, RpcClient } from '@cloudflow/platform';

const TTL_MS = 30_000;

/**
 * Devices and accounts the hub routes for, cached briefly so a frame costs no round trip to
 * admin; dropped on admin's change broadcasts and on NATS reconnects.
 */
@Injectable()
export class RelayLookup {
  private readonly devices = new Map<string, { value: Promise<DeviceRecord>; at: number }>();
  private readonly accounts = new Map<string, { value: Promise<AccountRecord>; at: number }>();

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
  ) {
    const drop = ({
      tenantId,
      accountId,
      referenceId,
    }: {
      tenantId: string;
      accountId: string;
      referenceId?: string;
    }) => {
      this.accounts.delete(key(tenantId, accountId));
      for (const k of this.devices.keys()) {
        if (
          k.startsWith(key(tenantId, accountId, '')) &&
          (!referenceId || k === key(tenantId, accountId, referenceId))
        )
          this.devices.delete(k);
      }
    };
    broadcasts.on(EVENTS.relayDataChanged, drop);
    broadcasts.on(EVENTS.accessRevoked, drop);
    broadcasts.onReconnect(() => {
      this.devices.clear();
      this.accounts.clear();
    });
  }

  device(tenantId: string, accountId: string, referenceId: string): Promise<DeviceRecord> {
    return cached(this.devices, key(tenantId, accountId, referenceId), () =>
      this.rpc.send(SUBJECTS.admin.deviceGet, { tenantId, accountId, referenceId }),
    );
  }

  account(tenantId: string, accountId: string): Promise<AccountRecord> {
    return cached(this.accounts, key(tenantId, accountId), () =>
      this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId }),
    );
  }
}

function key(...parts: string[]): string {
  return parts.join('\u0000');
}

function cached<T>(
  map: Map<string, { value: Promise<T>; at: number }>,
  k: string,
  load: () => Promise<T>,
): Promise<T> {
  const hit = map.get(k);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = load();
  map.set(k, { value, at: Date.now() });
  // Failures (not found, admin down) are not cached.
  value.catch(() => map.get(k)?.value === value && map.delete(k));
  return value;
}
