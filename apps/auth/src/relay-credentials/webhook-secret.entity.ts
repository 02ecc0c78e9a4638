import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An account's webhook signing secret. Unlike API tokens it must be readable later (the
 * gateway signs deliveries with it), so it is encrypted, bound to its row, not hashed.
 */
@Entity({ name: 'webhook_secrets' })
@Check('webhook_secrets_previous_check', `("previous_secret_enc" IS NULL) = ("previous_expires_at" IS NULL)`)
export class WebhookSecretEntity {
  @PrimaryColumn('text', { name: 'account_id' }) accountId: string;
  @Column('text', { name: 'tenant_id' }) tenantId: string;
  @Column('text', { name: 'secret_enc' }) secretEnc: string;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  /** After a rotation: the old secret, sealed alike, signing beside the new one until `previousExpiresAt`. */
  @Column('text', { name: 'previous_secret_enc', nullable: true }) previousSecretEnc: string | null;
  @Column('timestamptz', { name: 'previous_expires_at', nullable: true }) previousExpiresAt: Date | null;
}
