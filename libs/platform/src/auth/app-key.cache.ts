import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS, type AppKeyInfo } from '@cloudflow/contracts';
import { createHash } from 'node:crypto';
import { Broadcasts } from '../nats/broadcasts';
import { RpcClient } from '../nats/rpc-client';

const TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

/**
 * Verified APP keys, held briefly. A change broadcast from auth drops the key at once; a NATS
 * reconnect drops everything (a broadcast may have been missed). Misses for the same key share
 * one round trip. Entries are keyed by a digest, so the clear key is not kept in memory.
 */
@Injectable()
export class AppKeyCache {
  private readonly entries = new Map<string, { info: AppKeyInfo; at: number }>();
  private readonly inflight = new Map<string, Promise<AppKeyInfo>>();

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
  ) {
    broadcasts.on(EVENTS.appKeyChanged, ({ keyId }) => this.dropKey(keyId));
    broadcasts.onReconnect(() => this.entries.clear());
  }

  async get(appKey: string): Promise<AppKeyInfo> {
    const digest = createHash('sha256').update(appKey).digest('base64url');
    const hit = this.entries.get(digest);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.info;
    let pending = this.inflight.get(digest);
    if (!pending) {
      pending = this.rpc.send(SUBJECTS.auth.appKeyVerify, { appKey }).finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, pending);
      // Cache only what was current when asked: a change broadcast during the call wins.
      const generation = this.generation;
      void pending.then(
        (info) => {
          if (generation === this.generation) this.store(digest, info);
        },
        () => undefined,
      );
    }
    return pending;
  }

  private generation = 0;

  private store(digest: string, info: AppKeyInfo): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest, { info, at: Date.now() });
  }

  private dropKey(keyId: string): void {
    this.generation++;
    for (const [digest, entry] of this.entries) if (entry.info.keyId === keyId) this.entries.delete(digest);
  }
}
