import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS, type BlockedEndpoint } from '@cloudflow/contracts';
import { Broadcasts, RpcClient } from '@cloudflow/platform';
import type { Logger } from 'pino';

/** After this the list is reloaded in the background while it keeps serving. */
const SOFT_TTL_MS = 2_500;
/** The safety net under the broadcast: an older list is reloaded before it is used. */
const HARD_TTL_MS = 5_000;
/** After a failed load, wait this long before asking again. */
const RETRY_MS = 1_000;

/**
 * The platform-wide list of blocked endpoints, reloaded on auth's change broadcast, and as a
 * backstop whenever it is older than a few seconds (so a missed broadcast still bites within
 * 5 s). While auth cannot be reached the last known list stays in force.
 */
@Injectable()
export class BlockedEndpointsCache {
  private items: BlockedEndpoint[] = [];
  private loadedAt = 0;
  private retryAt = 0;
  private loading?: Promise<void>;
  /** A change was announced while a load ran: that load may have read the old list. */
  private reloadAgain = false;

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    private readonly logger: Logger,
  ) {
    broadcasts.on(EVENTS.blockedEndpointsChanged, () => void this.reload(true));
    broadcasts.onReconnect(() => void this.reload(true));
  }

  /**
   * Judged on the request path AND on the route Express matched (issue 12, item 3): a prefix
   * of either blocks, so a spelling the router still accepts cannot walk around a block.
   * HEAD is served by GET routes, so a GET block covers it.
   */
  async isBlocked(method: string, path: string, route?: string): Promise<boolean> {
    const age = Date.now() - this.loadedAt;
    if (age > HARD_TTL_MS) await this.reload();
    else if (age > SOFT_TTL_MS) void this.reload();
    const verb = method === 'HEAD' ? 'GET' : method;
    return this.items.some(
      (b) =>
        (b.method === '*' || b.method === verb) &&
        (path.startsWith(b.pathPrefix) || (route !== undefined && route.startsWith(b.pathPrefix))),
    );
  }

  /** `force`: a change was announced, ask even right after a failure. */
  private reload(force = false): Promise<void> {
    if (this.loading) {
      this.reloadAgain ||= force;
      return this.loading;
    }
    if (!force && Date.now() < this.retryAt) return Promise.resolve();
    this.loading = this.rpc
      .send(SUBJECTS.auth.blockedEndpointList, {}, 2000)
      .then((list) => {
        this.items = list.items;
        this.loadedAt = Date.now();
      })
      .catch((err: unknown) => {
        this.retryAt = Date.now() + RETRY_MS;
        this.logger.warn({ err }, 'could not load blocked endpoints');
      })
      .finally(() => {
        this.loading = undefined;
        if (this.reloadAgain) {
          this.reloadAgain = false;
          void this.reload(true);
        }
      });
    return this.loading;
  }
}
