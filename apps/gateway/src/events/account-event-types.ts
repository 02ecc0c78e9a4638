import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, EVENTS, SUBJECTS, type OptionalEventType } from '@cloudflow/contracts';
import { Broadcasts, RpcClient } from '@cloudflow/platform';

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
  private readonly known = new Map<string, { types: ReadonlySet<OptionalEventType>; at: number }>();

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
    const k = key(tenantId, accountId);
    const cached = this.known.get(k);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.types;
    const account = await this.rpc
      .send(SUBJECTS.admin.accountGet, { tenantId, accountId })
      .catch((error: unknown) => {
        // A deleted account wants nothing; anything else is an outage.
        if (isNotFound(error)) return undefined;
        throw error;
      });
    const types = new Set(account?.webhookEvents ?? []);
    if (this.known.size >= MAX_ENTRIES) this.known.clear();
    this.known.set(k, { types, at: Date.now() });
    return types;
  }
}

function key(tenantId: string, accountId: string): string {
  return `${tenantId}\u0000${accountId}`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof CloudFlowError && error.code === ErrorCode.notFound;
}
