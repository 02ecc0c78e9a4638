import { Injectable } from '@nestjs/common';
import type { DevicePresence } from '@cloudflow/contracts';
import { Broadcasts, TtlCache } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';

/** Short enough that a stale entry costs at most one extra "no responders" round trip. */
const TTL_MS = 1_000;
const MAX_ENTRIES = 50_000;

/**
 * Which connection holds a device, remembered for a second per hub so a payment costs no
 * presence read (two KV gets) in the steady state: the bench profile put that at ~7% of the
 * POS hub's CPU. Safe because a stale answer can only name a connection that is gone or fenced:
 * its hub no longer holds it, or already marked it closed on the 'replaced' message, and answers
 * noResponders (NATS does, if that hub is gone). Either way nothing was delivered, and the
 * caller retries once with `fresh`, which always reads the store.
 */
@Injectable()
export class DeviceOwners {
  private readonly owners = new TtlCache<string, DevicePresence>({ ttlMs: TTL_MS, maxEntries: MAX_ENTRIES });

  constructor(
    private readonly presence: PresenceStore,
    broadcasts: Broadcasts,
  ) {
    broadcasts.onReconnect(() => this.owners.clear());
  }

  async owner(
    tenantId: string,
    accountId: string,
    referenceId: string,
    fresh: boolean,
  ): Promise<DevicePresence | undefined> {
    const key = `${tenantId}\u0000${accountId}\u0000${referenceId}`;
    if (!fresh) {
      const hit = this.owners.get(key);
      if (hit) return hit;
    }
    const presence = await this.presence.deviceOwner(tenantId, accountId, referenceId).catch(() => undefined);
    // Only positive answers are kept: a device that is not connected is looked up every time.
    if (presence) this.owners.set(key, presence);
    else this.owners.delete(key);
    return presence;
  }
}
