import { PRESENCE } from '@cloudflow/contracts';
import { createHash } from 'node:crypto';
import { StorageType, type KV } from 'nats';
import { reconcileKvReplicas } from './kv-replicas';
import { NatsConnectionOwner } from './nats-connection.owner';

/**
 * Which requestIds an account has used, cluster-wide, for the whole request retention
 * (CONTRACT.md §7: a reused requestId is `duplicateItem`). A JetStream key-value bucket with
 * file storage, so it survives hub and NATS restarts; one atomic create per request is the only
 * cost on the payment path (no database round trip). NATS 2.9 has no per-key TTL: the bucket's
 * max age is the retention, so a key ages out with the request row it stands for.
 */
export class RequestIdsStore {
  private bucket?: Promise<KV>;

  constructor(
    private readonly nats: NatsConnectionOwner,
    /** How long a reserved id stays taken (the gateway's request-row retention). */
    private readonly retentionMs: number,
  ) {}

  /** Takes the id for this account; false if it was taken before (within the retention). */
  async reserve(tenantId: string, accountId: string, requestId: string): Promise<boolean> {
    const kv = await this.kv();
    try {
      // An ISO time, not epoch milliseconds: a 13-digit run at rest reads like a card number to scanners.
      await kv.create(requestIdKey(tenantId, accountId, requestId), new Date().toISOString());
      return true;
    } catch (error) {
      if (isTaken(error)) return false;
      this.forget();
      throw error;
    }
  }

  /** Gives the id back: only when the request was definitely not dispatched, so the POS may retry it. */
  async release(tenantId: string, accountId: string, requestId: string): Promise<void> {
    const kv = await this.kv();
    await kv.purge(requestIdKey(tenantId, accountId, requestId)).catch((error: unknown) => {
      this.forget();
      throw error;
    });
  }

  private kv(): Promise<KV> {
    this.bucket ??= this.nats
      .connection()
      .then(async (nc) => {
        const replicas = this.nats.jetStreamReplicas;
        const kv = await nc.jetstream().views.kv(PRESENCE.requestIdsBucket, { history: 1, storage: StorageType.File, ttl: this.retentionMs, replicas });
        await reconcileKvReplicas(nc, PRESENCE.requestIdsBucket, replicas);
        return kv;
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
