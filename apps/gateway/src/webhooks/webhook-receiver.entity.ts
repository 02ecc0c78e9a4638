import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An account whose webhook receiver is failing (issue 14): a row exists from its first failed
 * attempt after a success until the next success or re-enabling. `disabledAt` is set once it
 * has failed for WEBHOOK_DISABLE_AFTER_MS; then no delivery of the account is attempted.
 */
@Entity({ schema: 'gateway', name: 'webhook_receivers' })
export class WebhookReceiverEntity {
  @PrimaryColumn('varchar', { name: 'account_id', length: 64 }) accountId: string;
  @Column('varchar', { name: 'tenant_id', length: 64 }) tenantId: string;
  @Column('timestamptz', { name: 'failing_since' }) failingSince: Date;
  @Column('varchar', { name: 'last_error', length: 500 }) lastError: string;
  @Column('timestamptz', { name: 'last_error_at' }) lastErrorAt: Date;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt: Date | null;
}
