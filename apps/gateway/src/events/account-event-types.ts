import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, EVENTS, SUBJECTS, type OptionalEventType } from '@cloudflow/contracts';
import { Broadcasts, RpcClient, TtlCache } from '@cloudflow/platform';

/** A setting changes rarely and its change is broadcast; the age only bounds a missed broadcast. */
const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Which optional event kinds (presence) each account takes in its webhooks and feed (admin's
 * `webhookEvents`), kept in memory: a connect storm of one account asks admin once. The
 * account-changed broadcast (or a NATS reconnect, which may have lost one) drops the copy.
 */
@Injectable()
export class AccountEventTypes {
  private readonly known = new TtlCache<string, ReadonlySet<OptionalEventType>>({
    ttlMs: TTL_MS,
    maxEntries: MAX_ENTRIES,
  });

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
  ) {
    broadcasts.on(EVENTS.relayDataChanged, (e) => this.known.delete(key(e.tenantId, e.accountId)));
    broadcasts.on(EVENTS.accessRevoked, (e) => this.known.delete(key(e.tenantId, e.accountId)));
    broadcasts.onReconnect(() => this.known.clear());
  }

  /** The kinds the account wants; throws when admin cannot be asked (the caller retries later). */
  async of(tenantId: string, accountId: string): Promise<ReadonlySet<OptionalEventType>> {
    return this.known.load(key(tenantId, accountId), async () => {
      const account = await this.rpc
        .send(SUBJECTS.admin.accountGet, { tenantId, accountId })
        .catch((error: unknown) => {
          // A deleted account wants nothing; anything else is an outage.
          if (isNotFound(error)) return undefined;
          throw error;
        });
      return new Set(account?.webhookEvents ?? []);
    });
  }
}

function key(tenantId: string, accountId: string): string {
  return `${tenantId}\u0000${accountId}`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof CloudFlowError && error.code === ErrorCode.notFound;
}
