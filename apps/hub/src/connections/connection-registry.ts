import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, PresenceStore } from '@cloudflow/platform';
import type { Logger } from 'pino';
import type { Connection } from './connection';
import { HubIdentity } from './hub-identity';

/**
 * The sockets this hub holds, indexed for routing and limits. Per-account counts are published
 * to the cluster (debounced), so every hub can enforce an account's limit cluster-wide.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>();
  private readonly perAccount = new Map<string, { tenantId: string; accountId: string; count: number }>();
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

  countFor(tenantId: string, accountId: string): number {
    return this.perAccount.get(accountKey(tenantId, accountId))?.count ?? 0;
  }

  add(conn: Connection): void {
    this.byId.set(conn.id, conn);
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
          await this.presence.setSlotCount(entry.tenantId, entry.accountId, this.hub.id, entry.count);
          if (entry.count === 0) this.perAccount.delete(key);
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
    const key = accountKey(tenantId, accountId);
    const entry = this.perAccount.get(key) ?? { tenantId, accountId, count: 0 };
    entry.count = Math.max(0, entry.count + delta);
    this.perAccount.set(key, entry);
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

function accountKey(tenantId: string, accountId: string): string {
  return `${tenantId}\u0000${accountId}`;
}
