import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An account's webhook signing secret. Unlike API tokens it must be readable later (the
 * gateway signs deliveries with it), so it is encrypted, bound to its row, not hashed.
 */
@Entity({ name: 'webhook_secrets' })
export class WebhookSecretEntity {
  @PrimaryColumn('text', { name: 'account_id' }) accountId: string;
  @Column('text', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'secret_enc' }) secretEnc: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
}
