import { PRESENCE } from '@cloudflow/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { StorageType, type KV } from 'nats';
import { InboxRequests } from './inbox-requests';
import { kvCreate } from './kv-create';
import { KV_CONSISTENT_READS, reconcileKvReplicas } from './kv-replicas';
import { MovingRetry } from './moving-retry';
import { NatsConnectionOwner } from './nats-connection.owner';

/**
 * Which requestIds an account has used, cluster-wide, for the whole request retention
 * (CONTRACT.md §7: a reused requestId is `duplicateItem`). A JetStream key-value bucket with
 * file storage, so it survives hub and NATS restarts; one atomic create per request is the only
 * cost on the payment path (no database round trip). NATS 2.9 has no per-key TTL: the bucket's
 * max age is the retention, so a key ages out with the request row it stands for.
 */
export class RequestIdsStore {
  private bucket?: Promise<{ kv: KV; inbox: InboxRequests }>;
  /** One inbox subscription for the process's lifetime (the NATS connection is shared and reconnects itself). */
  private inbox?: InboxRequests;

  constructor(
    private readonly nats: NatsConnectionOwner,
    /** How long a reserved id stays taken (the gateway's request-row retention). */
    private readonly retentionMs: number,
  ) {}

  /**
   * Takes the id for this account; false if it was taken before (within the retention). A create
   * that failed (the bucket's leader moving to another NATS node, a connection between nodes) is
   * tried again for as long as a move takes. A failed create may still have been stored, so the
   * value carries a token of this call: "taken" by our own earlier try is still ours.
   */
  async reserve(tenantId: string, accountId: string, requestId: string): Promise<boolean> {
    const key = requestIdKey(tenantId, accountId, requestId);
    // An ISO time, not epoch milliseconds: a 13-digit run at rest reads like a card number to scanners.
    const value = `${new Date().toISOString()} ${randomUUID()}`;
    let retry: MovingRetry | undefined;
    for (;;) {
      try {
        await this.create(key, value);
        return true;
      } catch (error) {
        if (isTaken(error)) return retry ? this.holds(key, value) : false;
        this.forget();
        retry ??= new MovingRetry();
        if (!(await retry.again())) throw error;
      }
    }
  }

  /**
   * `kv.create` on the payment path, by hand (kvCreate). A key that exists goes to nats.js's
   * own create, which also reuses a key whose entry was purged (`release`) and throws "wrong
   * last sequence" when it is really taken.
   */
  private async create(key: string, value: string): Promise<void> {
    const { kv, inbox } = await this.bound();
    if ((await kvCreate(inbox, PRESENCE.requestIdsBucket, key, value)) === 'exists')
      await kv.create(key, value);
  }

  /** Whether the id's entry is the one `value` wrote (a retried create finding its own first try). */
  private async holds(key: string, value: string): Promise<boolean> {
    const entry = await (await this.kv()).get(key);
    return entry?.operation === 'PUT' && entry.string() === value;
  }

  /** Gives the id back: only when the request was definitely not dispatched, so the POS may retry it. */
  async release(tenantId: string, accountId: string, requestId: string): Promise<void> {
    const kv = await this.kv();
    await kv.purge(requestIdKey(tenantId, accountId, requestId)).catch((error: unknown) => {
      this.forget();
      throw error;
    });
  }

  private async kv(): Promise<KV> {
    return (await this.bound()).kv;
  }

  private bound(): Promise<{ kv: KV; inbox: InboxRequests }> {
    this.bucket ??= this.nats
      .connection()
      .then(async (nc) => {
        const replicas = this.nats.jetStreamReplicas;
        const kv = await nc.jetstream().views.kv(PRESENCE.requestIdsBucket, {
          ...KV_CONSISTENT_READS,
          history: 1,
          storage: StorageType.File,
          ttl: this.retentionMs,
          replicas,
        });
        await reconcileKvReplicas(nc, PRESENCE.requestIdsBucket, replicas);
        this.inbox ??= new InboxRequests(nc);
        return { kv, inbox: this.inbox };
      })
      .catch((error: unknown) => {
        this.bucket = undefined;
        throw error;
      });
    return this.bucket;
  }

  /** A failed call may mean a NATS server that came back without the bucket: bind again next time. */
  private forget(): void {
    this.bucket = undefined;
  }
}

/** KV keys allow only [-/_=.a-zA-Z0-9]: a hash of the three parts (NUL-separated, so no two triples collide). */
export function requestIdKey(tenantId: string, accountId: string, requestId: string): string {
  return createHash('sha256').update(`${tenantId}\u0000${accountId}\u0000${requestId}`).digest('base64url');
}

function isTaken(error: unknown): boolean {
  const e = error as { message?: string; api_error?: { err_code?: number } };
  return e?.api_error?.err_code === 10071 || /wrong last sequence|key exists/i.test(e?.message ?? '');
}
