import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS, type AccountRecord, type DeviceRecord } from '@cloudflow/contracts';
import { Broadcasts, RpcClient, TtlCache } from '@cloudflow/platform';

const TTL_MS = 30_000;
/** Devices and accounts in use on one hub at most (keys come from the sockets' tokens). */
const MAX_ENTRIES = 100_000;

/**
 * Devices and accounts the hub routes for, cached briefly so a frame costs no round trip to
 * admin; dropped on admin's change broadcasts and on NATS reconnects.
 */
@Injectable()
export class RelayLookup {
  // Failures (not found, admin down) are not kept.
  private readonly devices = new TtlCache<string, DeviceRecord>({ ttlMs: TTL_MS, maxEntries: MAX_ENTRIES });
  private readonly accounts = new TtlCache<string, AccountRecord>({ ttlMs: TTL_MS, maxEntries: MAX_ENTRIES });

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
      for (const k of [...this.devices.keys()]) {
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
    return this.devices.load(key(tenantId, accountId, referenceId), () =>
      this.rpc.send(SUBJECTS.admin.deviceGet, { tenantId, accountId, referenceId }),
    );
  }

  account(tenantId: string, accountId: string): Promise<AccountRecord> {
    return this.accounts.load(key(tenantId, accountId), () =>
      this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId }),
    );
  }
}

function key(...parts: string[]): string {
  return parts.join('\u0000');
}
