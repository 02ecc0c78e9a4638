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
         SET "secret_enc" = EXCLUDED."secret_enc", "created_at" = now(),
             "previous_secret_enc" = NULL, "previous_expires_at" = NULL
         WHERE "webhook_secrets"."tenant_id" = EXCLUDED."tenant_id"
       RETURNING 1`,
      [accountId, tenantId, secretEnc],
    );
    return rows.length > 0;
  }

  /**
   * Rotation: the current secret becomes the previous one until `overlapMs` from now, the new
   * one current. One statement, so two rotations at once leave one consistent pair (the later
   * one's predecessor is the earlier one's new secret). Null when the account has no secret here.
   */
  async rotate(
    tenantId: string,
    accountId: string,
    secretEnc: string,
    overlapMs: number,
  ): Promise<{ previousExpiresAt: Date } | null> {
    const rows: Array<{ previous_expires_at: Date }> = await this.db.manager.query(
      // A SELECT on top: TypeORM answers a bare UPDATE with [rows, count] instead of rows.
      `WITH r AS (
         UPDATE "auth"."webhook_secrets"
            SET "previous_secret_enc" = "secret_enc",
                "previous_expires_at" = now() + ($4::float8 * interval '1 millisecond'),
                "secret_enc" = $3, "created_at" = now()
          WHERE "account_id" = $1 AND "tenant_id" = $2
         RETURNING "previous_expires_at")
       SELECT * FROM r`,
      [accountId, tenantId, secretEnc, overlapMs],
    );
    return rows[0] ? { previousExpiresAt: rows[0].previous_expires_at } : null;
  }

  find(tenantId: string, accountId: string): Promise<WebhookSecretEntity | null> {
    return this.db.repository(WebhookSecretEntity).findOneBy({ tenantId, accountId });
  }

  async delete(manager: EntityManager, tenantId: string, accountId: string): Promise<void> {
    await manager.delete(WebhookSecretEntity, { tenantId, accountId });
  }
}
