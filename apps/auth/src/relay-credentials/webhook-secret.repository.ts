import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import type { EntityManager } from 'typeorm';
import { WebhookSecretEntity } from './webhook-secret.entity';

/** Every query on auth.webhook_secrets. */
@Injectable()
export class WebhookSecretRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Creates or replaces; false when the account id belongs to another tenant (nothing written). */
  async upsert(tenantId: string, accountId: string, secretEnc: string): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `INSERT INTO "auth"."webhook_secrets" ("account_id", "tenant_id", "secret_enc")
       VALUES ($1, $2, $3)
       ON CONFLICT ("account_id") DO UPDATE
         SET "secret_enc" = EXCLUDED."secret_enc", "created_at" = now()
         WHERE "webhook_secrets"."tenant_id" = EXCLUDED."tenant_id"
       RETURNING 1`,
      [accountId, tenantId, secretEnc],
    );
    return rows.length > 0;
  }

  find(tenantId: string, accountId: string): Promise<WebhookSecretEntity | null> {
    return this.db.repository(WebhookSecretEntity).findOneBy({ tenantId, accountId });
  }

  async delete(manager: EntityManager, tenantId: string, accountId: string): Promise<void> {
    await manager.delete(WebhookSecretEntity, { tenantId, accountId });
  }
}
