import { Injectable } from '@nestjs/common';
import {
  SUBJECTS,
  type RedeliveredWebhooks,
  type WebhookDeliveryList,
  type WebhookDeliveryStatus,
  type WebhookDeliverySummary,
  type WebhookReceiverStatus,
} from '@cloudflow/contracts';
import { DatabaseService, RpcClient } from '@cloudflow/platform';
import { AccountsRepository } from '../accounts/accounts.repository';
import { accountNotFound } from '../accounts/accounts.service';
import { RelayEventsPublisher } from '../common/relay-events.publisher';

export interface RotatedSecretView {
  accountId: string;
  webhookSecret: string;
  previousExpiresAt: string | null;
}

/**
 * Webhook operations of an account (issue 14): auth keeps the secret, the gateway the
 * deliveries and the receiver's health; admin checks the account is the caller's, then asks.
 */
@Injectable()
export class AccountWebhooksService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly db: DatabaseService,
    private readonly rpc: RpcClient,
    private readonly events: RelayEventsPublisher,
  ) {}

  /**
   * A new secret; the old one keeps signing beside it until `previousExpiresAt`. The change
   * broadcast makes every gateway drop its cached secret, so the next delivery carries both.
   */
  async rotateSecret(tenantId: string, accountId: string): Promise<RotatedSecretView> {
    const rotated = await this.db.transaction(async (tx) => {
      // Held while auth rotates, so a concurrent delete cannot leave a secret behind for a gone account.
      if (!(await this.accounts.hold(tenantId, accountId, tx))) throw accountNotFound(accountId);
      return this.rpc.send(SUBJECTS.auth.webhookSecretRotate, { tenantId, accountId });
    });
    await this.events.changed(tenantId, accountId);
    return { accountId, webhookSecret: rotated.webhookSecret, previousExpiresAt: rotated.previousExpiresAt };
  }

  async deliveries(
    tenantId: string,
    accountId: string,
    filter: { status?: WebhookDeliveryStatus; limit?: number },
  ): Promise<WebhookDeliveryList> {
    await this.own(tenantId, accountId);
    return this.rpc.send(SUBJECTS.gateway.webhookDeliveryList, { tenantId, accountId, ...defined(filter) });
  }

  async redeliver(tenantId: string, accountId: string, deliveryId: string): Promise<WebhookDeliverySummary> {
    await this.own(tenantId, accountId);
    return this.rpc.send(SUBJECTS.gateway.webhookRedeliver, { tenantId, accountId, deliveryId });
  }

  async redeliverDead(tenantId: string, accountId: string): Promise<RedeliveredWebhooks> {
    await this.own(tenantId, accountId);
    return this.rpc.send(SUBJECTS.gateway.webhookRedeliverDead, { tenantId, accountId });
  }

  async receiver(tenantId: string, accountId: string): Promise<WebhookReceiverStatus> {
    await this.own(tenantId, accountId);
    return this.rpc.send(SUBJECTS.gateway.webhookReceiverGet, { tenantId, accountId });
  }

  async enable(tenantId: string, accountId: string): Promise<WebhookReceiverStatus> {
    await this.own(tenantId, accountId);
    return this.rpc.send(SUBJECTS.gateway.webhookReceiverEnable, { tenantId, accountId });
  }

  /** Another tenant's account is not found (CONTRACT.md §2), before anything is asked. */
  private async own(tenantId: string, accountId: string): Promise<void> {
    if (!(await this.accounts.find(tenantId, accountId))) throw accountNotFound(accountId);
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
