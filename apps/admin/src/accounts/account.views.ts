import type { AccountRecord, AccountView } from '@cloudflow/contracts';
import type { AccountEntity } from './account.entity';

/** The shapes are the contract's (libs/contracts admin-api.views); the mapping is admin's. */
export type { AccountView, NewAccountView } from '@cloudflow/contracts';

export function toAccountView(a: AccountEntity): AccountView {
  return {
    accountId: a.accountId,
    name: a.name,
    connectionLimit: a.connectionLimit,
    webhookUrl: a.webhookUrl,
    webhookEvents: a.webhookEvents,
    requestTimeoutSeconds: a.requestTimeoutSeconds,
    createdAt: a.createdAt.toISOString(),
  };
}

/** What gateways and hubs get over NATS. */
export function toAccountRecord(a: AccountEntity): AccountRecord {
  return {
    tenantId: a.tenantId,
    accountId: a.accountId,
    name: a.name,
    connectionLimit: a.connectionLimit,
    webhookUrl: a.webhookUrl,
    webhookEvents: a.webhookEvents,
    requestTimeoutSeconds: a.requestTimeoutSeconds,
  };
}
