import { Injectable } from '@nestjs/common';
import { EVENTS, SUBJECTS } from '@cloudflow/contracts';
import { Broadcasts, RpcClient } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';

/** Where, and with which secret, an account's deliveries go right now. */
export interface WebhookTarget {
  url: string | null;
  secret: string;
}

export abstract class WebhookTargets {
  abstract resolve(tenantId: string, accountId: string): Promise<WebhookTarget>;
}

// The secret changes only when auth replaces it; the account-changed broadcast drops it anyway.
const SECRET_TTL_MS = 10 * 60_000;

/**
 * Webhook URL from admin (`admin.account.get.v1`) and signing secret from auth
 * (`auth.webhookSecret.get.v1`), each cached in memory only, so a busy outbox does not ask
 * twice per delivery. A change to the account (relayDataChanged), its deletion (accessRevoked)
 * or a NATS reconnect (a broadcast may have been missed) drops the cached copies.
 */
@Injectable()
export class AccountWebhookTargets extends WebhookTargets {
  private readonly urls = new Map<string, { url: string | null; at: number }>();
  private readonly secrets = new Map<string, { secret: string; at: number }>();
  private readonly urlTtlMs: number;

  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    config: GatewayConfig,
  ) {
    super();
    this.urlTtlMs = config.WEBHOOK_TARGET_CACHE_MS;
    broadcasts.on(EVENTS.relayDataChanged, (e) => this.forget(e.tenantId, e.accountId));
    broadcasts.on(EVENTS.accessRevoked, (e) => this.forget(e.tenantId, e.accountId));
    broadcasts.onReconnect(() => {
      this.urls.clear();
      this.secrets.clear();
    });
  }

  async resolve(tenantId: string, accountId: string): Promise<WebhookTarget> {
    const key = cacheKey(tenantId, accountId);
    const now = Date.now();
    let url = this.urls.get(key);
    if (!url || now - url.at >= this.urlTtlMs) {
      const account = await this.rpc.send(SUBJECTS.admin.accountGet, { tenantId, accountId });
      url = { url: account.webhookUrl, at: now };
      if (this.urlTtlMs > 0) this.urls.set(key, url);
    }
    let secret = this.secrets.get(key);
    if (!secret || now - secret.at >= SECRET_TTL_MS) {
      const answer = await this.rpc.send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId });
      secret = { secret: answer.webhookSecret, at: now };
      this.secrets.set(key, secret);
    }
    return { url: url.url, secret: secret.secret };
  }

  private forget(tenantId: string, accountId: string): void {
    const key = cacheKey(tenantId, accountId);
    this.urls.delete(key);
    this.secrets.delete(key);
  }
}

function cacheKey(tenantId: string, accountId: string): string {
  return JSON.stringify([tenantId, accountId]);
}
