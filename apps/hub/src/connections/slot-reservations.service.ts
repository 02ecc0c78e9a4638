import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { ConnectionRegistry } from './connection.registry';
import { HubIdentity } from './hub-identity';

/** A connection slot granted to one upgrade: the socket takes it, or the upgrade gives it back. */
export interface SlotLease {
  /** Whether a slot was reserved (false: admitted without one, e.g. a device replacing its socket). */
  readonly reserved: boolean;
  /** Gives the slot back; does nothing after the socket took it or on a second call. */
  release(): void;
  /** The socket joined the registry with this slot. */
  take(): boolean;
}

interface Batch {
  tenantId: string;
  accountId: string;
  limit: number;
  waiters: Array<(granted: boolean) => void>;
}

/**
 * Atomic connection-slot reservation for the hub's admit (issue 12 item 7). Before, the admit
 * was check-then-act on a 500 ms cache, so hubs admitting one account at once could all take
 * the last slot. Now every grant is a compare-and-set on the account's one slot entry
 * (PresenceStore.reserveSlots). Upgrades of one account arriving together share one write: while
 * an account's write is in flight, new arrivals wait for the next, which grants
 * min(waiting, limit − every hub's count), so a connect storm costs a few writes, not one each.
 */
@Injectable()
export class SlotReservations {
  private readonly next = new Map<string, Batch>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly presence: PresenceStore,
    private readonly registry: ConnectionRegistry,
    private readonly hub: HubIdentity,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** One slot of `limit` for this account, or undefined when the cluster holds them all. */
  reserve(tenantId: string, accountId: string, limit: number): Promise<SlotLease | undefined> {
    const key = `${tenantId}\u0000${accountId}`;
    let batch = this.next.get(key);
    if (!batch) this.next.set(key, (batch = { tenantId, accountId, limit, waiters: [] }));
    batch.limit = Math.min(batch.limit, limit);
    const granted = new Promise<boolean>((resolve) => batch.waiters.push(resolve));
    if (!this.inFlight.has(key)) void this.run(key);
    return granted.then((ok) => (ok ? this.lease(tenantId, accountId) : undefined));
  }

  /** A lease for an upgrade admitted without a slot of its own. */
  unreserved(): SlotLease {
    return { reserved: false, release: () => undefined, take: () => false };
  }

  private async run(key: string): Promise<void> {
    this.inFlight.add(key);
    try {
      for (let batch = this.next.get(key); batch; batch = this.next.get(key)) {
        this.next.delete(key);
        const granted = await this.grant(batch);
        batch.waiters.forEach((resolve, i) => resolve(i < granted));
      }
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async grant({ tenantId, accountId, limit, waiters }: Batch): Promise<number> {
    const own = {
      count: () => this.registry.countFor(tenantId, accountId),
      hold: (n: number) => this.registry.reserve(tenantId, accountId, n),
    };
    try {
      return await this.presence.reserveSlots(
        tenantId,
        accountId,
        this.hub.id,
        { wanted: waiters.length, limit },
        own,
      );
    } catch (err) {
      // NATS cannot be reached: this hub's own count is all it knows. Admitting within it keeps
      // devices connectable through a bus outage; the count is published when NATS is back.
      this.logger.warn({ err }, 'could not reserve connection slots in the cluster; counting this hub only');
      const granted = Math.max(0, Math.min(waiters.length, limit - own.count()));
      this.registry.reserve(tenantId, accountId, granted, true);
      return granted;
    }
  }

  private lease(tenantId: string, accountId: string): SlotLease {
    let open = true;
    return {
      reserved: true,
      release: () => {
        if (!open) return;
        open = false;
        this.registry.reserve(tenantId, accountId, -1);
      },
      take: () => {
        if (!open) return false;
        open = false;
        return true;
      },
    };
  }
}
