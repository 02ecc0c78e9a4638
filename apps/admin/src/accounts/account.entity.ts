import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { OptionalEventType } from '@cloudflow/contracts';
import { TenantEntity } from '../tenants/tenant.entity';

/**
 * A CloudFlow account (a POS integration) of a tenant. The id is chosen by the tenant (or
 * generated) and unique across tenants: the Client API bearer names it without a tenant.
 * Its API token and webhook secret live in auth.
 */
@Entity({ schema: 'admin', name: 'accounts' })
@Index('accounts_tenant_id_idx', ['tenantId'])
@Check('accounts_connection_limit_check', `"connection_limit" >= 1`)
@Check('accounts_request_timeout_seconds_check', `"request_timeout_seconds" BETWEEN 5 AND 3600`)
@Check(
  'accounts_webhook_events_check',
  `"webhook_events" <@ ARRAY['deviceConnected', 'deviceDisconnected']::text[]`,
)
export class AccountEntity {
  // Case sensitive, like every id (CONTRACT.md): a plain varchar, no case folding.
  @PrimaryColumn('varchar', { name: 'account_id', length: 64, primaryKeyConstraintName: 'accounts_pkey' })
  accountId: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId: string;

  @ManyToOne(() => TenantEntity, { nullable: false })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'accounts_tenant_id_fkey' })
  tenant?: TenantEntity;

  @Column('varchar', { name: 'name', length: 200 })
  name: string;

  @Column('integer', { name: 'connection_limit' })
  connectionLimit: number;

  @Column('varchar', { name: 'webhook_url', length: 2048, nullable: true })
  webhookUrl: string | null;

  /** Event kinds the account's webhooks and feed carry besides its requests' messages (issue 14). */
  @Column('text', { name: 'webhook_events', array: true, default: () => "'{}'" })
  webhookEvents: OptionalEventType[];

  /** How long an async request may wait for the device's final answer before it is `expired`. */
  @Column('integer', { name: 'request_timeout_seconds', default: 150 })
  requestTimeoutSeconds: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
