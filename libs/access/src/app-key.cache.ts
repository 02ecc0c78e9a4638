import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, EVENTS, SUBJECTS, type AppKeyInfo } from '@cloudflow/contracts';
import { Broadcasts, RpcClient, TtlCache } from '@cloudflow/platform';
import { createHash } from 'node:crypto';

/** After this an entry is re-verified in the background while it keeps serving. */
const SOFT_TTL_MS = 2_500;
/**
 * The safety net under the change broadcast: an entry older than this is not trusted without
 * asking auth, so even a missed broadcast bites within 5 s (CONTRACT.md §3). That holds while
 * auth cannot be reached too (issue 12, item 1): an older answer is never served, the request
 * fails closed with auth's `failed` instead, since a key revoked meanwhile must not keep working.
 */
const HARD_TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;
/**
 * How long auth's "no such key" is repeated without asking again (issue 12, item 9): a flood
 * of one wrong key costs one round trip per 5 s. A key unknown now never becomes valid later
 * (new keys are fresh random values), so this only bounds memory and staleness of the answer.
 */
const REFUSED_TTL_MS = 5_000;
const MAX_REFUSED = 10_000;

/** A timeout or a messaging failure, as opposed to auth answering "no". */
function unreachable(error: unknown): boolean {
  return !(error instanceof CloudFlowError) || error.code === ErrorCode.failed;
}

/**
 * Verified APP keys, held briefly. A change broadcast from auth drops the key at once; a NATS
 * reconnect drops everything (a broadcast may have been missed). Busy keys are refreshed in
 * the background, so the steady state costs no NATS round trip on the request path. Misses for
 * the same key share one round trip. Entries are keyed by a digest, so the clear key is not
 * kept in memory.
 */
@Injectable()
export class AppKeyCache {
  private readonly entries = new TtlCache<string, AppKeyInfo>({
    ttlMs: HARD_TTL_MS,
    maxEntries: MAX_ENTRIES,
  });
  private readonly inflight = new Map<string, Promise<AppKeyInfo>>();
  private readonly refused = new TtlCache<string, CloudFlowError>({
    ttlMs: REFUSED_TTL_MS,
    maxEntries: MAX_REFUSED,
  });
  private generation = 0;

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
  ) {
    broadcasts.on(EVENTS.appKeyChanged, ({ keyId }) => this.dropKey(keyId));
    broadcasts.onReconnect(() => this.entries.clear());
  }

  async get(appKey: string): Promise<AppKeyInfo> {
    const digest = createHash('sha256').update(appKey).digest('base64url');
    const no = this.refused.get(digest);
    if (no) throw no;
    const hit = this.entries.peek(digest);
    if (hit && hit.ageMs < SOFT_TTL_MS) return hit.value;
    if (hit) {
      // Older than the soft TTL (the cache drops it at the hard one): refreshed in the background.
      this.verify(digest, appKey).catch(() => undefined);
      return hit.value;
    }
    return this.verify(digest, appKey);
  }

  private verify(digest: string, appKey: string): Promise<AppKeyInfo> {
    const running = this.inflight.get(digest);
    if (running) return running;
    // Cache only what was current when asked: a change broadcast during the call wins.
    const generation = this.generation;
    const pending = this.rpc
      .send(SUBJECTS.auth.appKeyVerify, { appKey })
      .then(
        (info) => {
          if (generation === this.generation) this.entries.set(digest, info);
          return info;
        },
        (error: unknown) => {
          // Auth said no (revoked meanwhile, say): forget the key. A timeout leaves the entry,
          // which still serves until it is 5 s old.
          if (!unreachable(error)) {
            this.entries.delete(digest);
            this.refused.set(digest, error as CloudFlowError);
          }
          throw error;
        },
      )
      .finally(() => this.inflight.delete(digest));
    this.inflight.set(digest, pending);
    return pending;
  }

  private dropKey(keyId: string): void {
    this.generation++;
    for (const [digest, info] of [...this.entries.values()])
      if (info.keyId === keyId) this.entries.delete(digest);
  }
}
