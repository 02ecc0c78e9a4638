import type { AccountRecord, OptionalEventType } from '@cloudflow/contracts';
import type { AccountEntity } from './account.entity';

/** An account as the admin API shows it (CONTRACT.md §9). */
export interface AccountView {
  accountId: string;
  name: string;
  connectionLimit: number;
  webhookUrl: string | null;
  webhookEvents: OptionalEventType[];
  requestTimeoutSeconds: number;
  createdAt: string;
}

/** The create answer: the only time the API token and webhook secret are shown. */
export interface NewAccountView extends AccountView {
  apiToken: string;
  webhookSecret: string;
}

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
