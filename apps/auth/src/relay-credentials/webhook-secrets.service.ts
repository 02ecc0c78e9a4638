import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  type RotatedWebhookSecret,
  type RotateWebhookSecretRequest,
  type WebhookSecret,
  type WebhookSecretRequest,
} from '@cloudflow/contracts';
import { AuthConfig } from '../auth.config';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { accountIdTaken } from './relay-credential.errors';
import { generateWebhookSecret } from './relay-token.format';
import { WebhookSecretRepository } from './webhook-secret.repository';

/** Webhook signing secrets (CONTRACT.md §8): shown once on creation, read back only by services. */
@Injectable()
export class WebhookSecretsService {
  private readonly overlapMs: number;

  constructor(
    private readonly secrets: AuthSecrets,
    private readonly repository: WebhookSecretRepository,
    config: AuthConfig,
  ) {
    this.overlapMs = Math.round(config.WEBHOOK_SECRET_OVERLAP_HOURS * 3_600_000);
  }

  /** Creates or replaces the account's secret (no overlap: a new account has no receiver yet). */
  async create({ tenantId, accountId }: WebhookSecretRequest): Promise<WebhookSecret> {
    const webhookSecret = generateWebhookSecret();
    const sealed = this.secrets.sealWebhookSecret(webhookSecret, rowBinding(tenantId, accountId));
    if (!(await this.repository.upsert(tenantId, accountId, sealed))) throw accountIdTaken(accountId);
    return { webhookSecret };
  }

  /**
   * Rotation (issue 14): a new secret, the current one kept as the previous until the overlap
   * ends. A second rotation inside the overlap drops the oldest at once: a delivery carries at
   * most two signatures.
   */
  async rotate({ tenantId, accountId }: RotateWebhookSecretRequest): Promise<RotatedWebhookSecret> {
    const webhookSecret = generateWebhookSecret();
    const sealed = this.secrets.sealWebhookSecret(webhookSecret, rowBinding(tenantId, accountId));
    const rotated = await this.repository.rotate(tenantId, accountId, sealed, this.overlapMs);
    if (!rotated) throw noSecret(accountId);
    return {
      webhookSecret,
      previousExpiresAt: this.overlapMs > 0 ? rotated.previousExpiresAt.toISOString() : null,
    };
  }

  /** The secret to sign with, and during an overlap the previous one with the moment it stops. */
  async get({ tenantId, accountId }: WebhookSecretRequest): Promise<WebhookSecret> {
    const row = await this.repository.find(tenantId, accountId);
    if (!row) throw noSecret(accountId);
    const binding = rowBinding(tenantId, accountId);
    const answer: WebhookSecret = { webhookSecret: this.secrets.openWebhookSecret(row.secretEnc, binding) };
    if (row.previousSecretEnc && row.previousExpiresAt && row.previousExpiresAt.getTime() > Date.now())
      answer.previous = {
        webhookSecret: this.secrets.openWebhookSecret(row.previousSecretEnc, binding),
        expiresAt: row.previousExpiresAt.toISOString(),
      };
    return answer;
  }
}

function noSecret(accountId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.notFound, `Account '${accountId}' has no webhook secret`);
}

/** Associated data: a ciphertext copied onto another account's row does not decrypt. */
function rowBinding(tenantId: string, accountId: string): string {
  return `webhook-secret:${JSON.stringify([tenantId, accountId])}`;
}
