import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, EVENTS, SUBJECTS, type AppKeyInfo } from '@cloudflow/contracts';
import { createHash } from 'node:crypto';
import { Broadcasts } from '../nats/broadcasts';
import { RpcClient } from '../nats/rpc-client';

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
  private readonly entries = new Map<string, { info: AppKeyInfo; at: number }>();
  private readonly inflight = new Map<string, Promise<AppKeyInfo>>();
  private readonly refused = new Map<string, { error: CloudFlowError; at: number }>();
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
    if (no && Date.now() - no.at < REFUSED_TTL_MS) throw no.error;
    const hit = this.entries.get(digest);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (hit && age < SOFT_TTL_MS) return hit.info;
    if (hit && age < HARD_TTL_MS) {
      this.verify(digest, appKey).catch(() => undefined);
      return hit.info;
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
          if (generation === this.generation) this.store(digest, info);
          return info;
        },
        (error: unknown) => {
          // Auth said no (revoked meanwhile, say): forget the key. A timeout leaves the entry,
          // which still serves until it is 5 s old.
          if (!unreachable(error)) {
            this.entries.delete(digest);
            this.refuse(digest, error as CloudFlowError);
          }
          throw error;
        },
      )
      .finally(() => this.inflight.delete(digest));
    this.inflight.set(digest, pending);
    return pending;
  }

  private store(digest: string, info: AppKeyInfo): void {
    this.entries.delete(digest);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest, { info, at: Date.now() });
  }

  private refuse(digest: string, error: CloudFlowError): void {
    this.refused.delete(digest);
    if (this.refused.size >= MAX_REFUSED) this.refused.delete(this.refused.keys().next().value!);
    this.refused.set(digest, { error, at: Date.now() });
  }

  private dropKey(keyId: string): void {
    this.generation++;
    for (const [digest, entry] of this.entries) if (entry.info.keyId === keyId) this.entries.delete(digest);
  }
}
