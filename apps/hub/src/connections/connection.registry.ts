import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import type { Connection } from './connection';
import { HubIdentity } from './hub-identity';

/**
 * The sockets this hub holds, indexed for routing and limits. Per account it counts the sockets
 * held and the slots reserved for upgrades still under way (SlotReservations); their sum is what
 * the cluster sees (published debounced, and at once by a reservation), so every hub enforces an
 * account's limit cluster-wide.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>();
  private readonly perAccount = new Map<string, AccountCount>();
  private readonly dirty = new Set<string>();
  private flushTimer?: NodeJS.Timeout;
  /** SIGTERM received: no new delivery or transaction starts on this hub (WsServer drains it). */
  draining = false;

  constructor(
    private readonly presence: PresenceStore,
    private readonly hub: HubIdentity,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get(connId: string): Connection | undefined {
    return this.byId.get(connId);
  }

  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  /** Sockets held plus slots reserved for this account on this hub: what the cluster counts. */
  countFor(tenantId: string, accountId: string): number {
    const entry = this.perAccount.get(accountKey(tenantId, accountId));
    return entry ? entry.count + entry.reserved : 0;
  }

  /**
   * Adds `n` (negative: gives back) to the account's reserved slots. A reservation is written to
   * the cluster by whoever takes it (`publish` when it was not); giving one back is published like
   * a closed socket.
   */
  reserve(tenantId: string, accountId: string, n: number, publish = n < 0): void {
    const entry = this.entry(tenantId, accountId);
    entry.reserved = Math.max(0, entry.reserved + n);
    if (publish) this.markDirty(accountKey(tenantId, accountId));
  }

  /** A socket joins; `reserved`: it takes one of the account's reserved slots (the total stays). */
  add(conn: Connection, reserved = false): void {
    this.byId.set(conn.id, conn);
    const { tenantId, accountId } = conn.identity;
    if (reserved) {
      const entry = this.entry(tenantId, accountId);
      entry.reserved = Math.max(0, entry.reserved - 1);
    }
    this.adjust(conn, +1);
  }

  remove(conn: Connection): boolean {
    if (!this.byId.delete(conn.id)) return false;
    this.adjust(conn, -1);
    return true;
  }

  /** Publishes every account's count again (NATS came back, possibly without the slot bucket). */
  republish(): void {
    for (const key of this.perAccount.keys()) this.dirty.add(key);
    this.schedule();
  }

  /** Publishes every account's count now (shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const keys = [...this.dirty];
    this.dirty.clear();
    await Promise.all(
      keys.map(async (key) => {
        const entry = this.perAccount.get(key);
        if (!entry) return;
        try {
          const total = () => entry.count + entry.reserved;
          await this.presence.setSlotCount(entry.tenantId, entry.accountId, this.hub.id, total);
          if (total() === 0 && this.perAccount.get(key) === entry) this.perAccount.delete(key);
        } catch (err) {
          this.dirty.add(key);
          this.logger.warn({ err }, 'could not publish connection counts; will retry');
        }
      }),
    );
    if (this.dirty.size) this.schedule();
  }

  private adjust(conn: Connection, delta: number): void {
    const { tenantId, accountId } = conn.identity;
    const entry = this.entry(tenantId, accountId);
    entry.count = Math.max(0, entry.count + delta);
    this.markDirty(accountKey(tenantId, accountId));
  }

  private entry(tenantId: string, accountId: string): AccountCount {
    const key = accountKey(tenantId, accountId);
    let entry = this.perAccount.get(key);
    if (!entry) this.perAccount.set(key, (entry = { tenantId, accountId, count: 0, reserved: 0 }));
    return entry;
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    this.schedule();
  }

  private schedule(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, 200);
  }
}

interface AccountCount {
  tenantId: string;
  accountId: string;
  /** Sockets held. */
  count: number;
  /** Slots granted to upgrades that hold no socket yet. */
  reserved: number;
}

function accountKey(tenantId: string, accountId: string): string {
  return `${tenantId}\u0000${accountId}`;
}
