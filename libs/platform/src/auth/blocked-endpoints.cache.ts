import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS, type BlockedEndpoint } from '@cloudflow/contracts';
import type { Logger } from 'pino';
import { Broadcasts } from '../nats/broadcasts';
import { RpcClient } from '../nats/rpc-client';

const REFRESH_MS = 30_000;

/**
 * The platform-wide list of blocked endpoints, reloaded on auth's change broadcast and every
 * 30 s as a backstop. While auth cannot be reached the last known list stays in force.
 */
@Injectable()
export class BlockedEndpointsCache {
  private items: BlockedEndpoint[] = [];
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    private readonly logger: Logger,
  ) {
    broadcasts.on(EVENTS.blockedEndpointsChanged, () => void this.reload());
    broadcasts.onReconnect(() => void this.reload());
  }

  async isBlocked(method: string, path: string): Promise<boolean> {
    if (Date.now() - this.loadedAt > REFRESH_MS) await this.reload();
    return this.items.some((b) => (b.method === '*' || b.method === method) && path.startsWith(b.pathPrefix));
  }

  private reload(): Promise<void> {
    this.loading ??= this.rpc
      .send(SUBJECTS.auth.blockedEndpointList, {}, 2000)
      .then((list) => {
        this.items = list.items;
        this.loadedAt = Date.now();
      })
      .catch((err: unknown) => {
        // Keep the last list; try again on the next request after a short pause.
        this.loadedAt = Date.now() - REFRESH_MS + 2000;
        this.logger.warn({ err }, 'could not load blocked endpoints');
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }
}
