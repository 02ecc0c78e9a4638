import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  type WebhookSecret,
  type WebhookSecretRequest,
} from '@cloudflow/contracts';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { accountIdTaken } from './relay-credential.errors';
import { generateWebhookSecret } from './relay-token.format';
import { WebhookSecretRepository } from './webhook-secret.repository';

/** Webhook signing secrets (CONTRACT.md §8): shown once on creation, read back only by services. */
@Injectable()
export class WebhookSecretsService {
  constructor(
    private readonly secrets: AuthSecrets,
    private readonly repository: WebhookSecretRepository,
  ) {}

  /** Creates or replaces the account's secret. */
  async create({ tenantId, accountId }: WebhookSecretRequest): Promise<WebhookSecret> {
    const webhookSecret = generateWebhookSecret();
    const sealed = this.secrets.sealWebhookSecret(webhookSecret, rowBinding(tenantId, accountId));
    if (!(await this.repository.upsert(tenantId, accountId, sealed))) throw accountIdTaken(accountId);
    return { webhookSecret };
  }

  async get({ tenantId, accountId }: WebhookSecretRequest): Promise<WebhookSecret> {
    const row = await this.repository.find(tenantId, accountId);
    if (!row) throw new CloudFlowError(ErrorCode.notFound, `Account '${accountId}' has no webhook secret`);
    return { webhookSecret: this.secrets.openWebhookSecret(row.secretEnc, rowBinding(tenantId, accountId)) };
  }
}

/** Associated data: a ciphertext copied onto another account's row does not decrypt. */
function rowBinding(tenantId: string, accountId: string): string {
  return `webhook-secret:${JSON.stringify([tenantId, accountId])}`;
}
