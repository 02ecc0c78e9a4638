import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS } from '@cloudflow/contracts';
import { Broadcasts, RpcClient, TtlCache } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';

/** Where, and with which secret(s), an account's deliveries go right now. */
export interface WebhookTarget {
  url: string | null;
  secret: string;
  /** During a rotation's overlap (issue 14): the old secret, which signs beside the new one until then. */
  previous?: { secret: string; expiresAtMs: number };
}

export abstract class WebhookTargets {
  abstract resolve(tenantId: string, accountId: string): Promise<WebhookTarget>;
}

/**
 * Our side could not say where or how to deliver (admin or auth unreachable): not the
 * receiver's fault, so it does not count towards disabling the receiver.
 */
export class TargetUnavailable extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'TargetUnavailable';
  }
}

// The secret changes only when auth replaces it; the account-changed broadcast drops it anyway.
const SECRET_TTL_MS = 10 * 60_000;
/** Accounts whose deliveries one gateway sends at once, at most (the least recently used go first). */
const MAX_ACCOUNTS = 50_000;

type Secrets = Pick<WebhookTarget, 'secret' | 'previous'>;

/**
 * Webhook URL from admin (`admin.account.get.v1`) and signing secret(s) from auth
 * (`auth.webhookSecret.get.v1`), each cached in memory only, so a busy outbox does not ask
 * twice per delivery. A change to the account (relayDataChanged: also a rotated secret), its
 * deletion (accessRevoked) or a NATS reconnect (a broadcast may have been missed) drops the
 * cached copies. An answer to a question asked before such a drop is used once but not kept:
 * it may be the old secret, read just before the rotation committed.
 */
@Injectable()
export class WebhookTargetCache extends WebhookTargets {
  private readonly urls: TtlCache<string, { url: string | null }>;
  private readonly secrets = new TtlCache<string, Secrets>({
    ttlMs: SECRET_TTL_MS,
    maxEntries: MAX_ACCOUNTS,
  });
  /** Bumped by every drop: a lookup started under an older generation is not cached. */
  private generation = 0;

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    config: GatewayConfig,
  ) {
    super();
    this.urls = new TtlCache({ ttlMs: config.WEBHOOK_TARGET_CACHE_MS, maxEntries: MAX_ACCOUNTS });
    broadcasts.on(EVENTS.relayDataChanged, (e) => this.forget(e.tenantId, e.accountId));
    broadcasts.on(EVENTS.accessRevoked, (e) => this.forget(e.tenantId, e.accountId));
    broadcasts.onReconnect(() => {
      this.generation++;
      this.urls.clear();
      this.secrets.clear();
    });
  }

  async resolve(tenantId: string, accountId: string): Promise<WebhookTarget> {
    try {
      return await this.lookUp(tenantId, accountId);
    } catch (error) {
      throw new TargetUnavailable(error);
    }
  }

  private async lookUp(tenantId: string, accountId: string): Promise<WebhookTarget> {
    const key = cacheKey(tenantId, accountId);
    const now = Date.now();
    const generation = this.generation;
    let url = this.urls.get(key);
    if (!url) {
      const account = await this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId });
      url = { url: account.webhookUrl };
      if (generation === this.generation) this.urls.set(key, url);
    }
    let secrets = this.secrets.get(key);
    // An overlap that ended drops the entry too: the next answer no longer carries the old secret.
    if (!secrets || (secrets.previous && secrets.previous.expiresAtMs <= now)) {
      const answer = await this.rpc.send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId });
      secrets = { secret: answer.webhookSecret };
      if (answer.previous)
        secrets.previous = {
          secret: answer.previous.webhookSecret,
          expiresAtMs: Date.parse(answer.previous.expiresAt),
        };
      if (generation === this.generation) this.secrets.set(key, secrets);
    }
    return { url: url.url, secret: secrets.secret, ...(secrets.previous && { previous: secrets.previous }) };
  }

  private forget(tenantId: string, accountId: string): void {
    const key = cacheKey(tenantId, accountId);
    this.generation++;
    this.urls.delete(key);
    this.secrets.delete(key);
  }
}

function cacheKey(tenantId: string, accountId: string): string {
  return JSON.stringify([tenantId, accountId]);
}
