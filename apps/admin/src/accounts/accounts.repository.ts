import { Injectable } from '@nestjs/common';
import type { OptionalEventType } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import type { EntityManager } from 'typeorm';
import { AccountEntity } from './account.entity';

export interface NewAccount {
  accountId: string;
  name: string;
  connectionLimit: number;
  webhookUrl: string | null;
  webhookEvents?: OptionalEventType[];
  requestTimeoutSeconds?: number;
}

export type AccountChanges = Partial<
  Pick<AccountEntity, 'name' | 'connectionLimit' | 'webhookUrl' | 'webhookEvents' | 'requestTimeoutSeconds'>
>;

/**
 * Accounts. Every method takes the tenant id, so no query can reach across tenants; the one
 * exception, `isTaken`, answers only yes/no because account ids are unique platform-wide.
 * Methods that take `tx` run inside the caller's transaction.
 */
@Injectable()
export class AccountsRepository {
  constructor(private readonly db: DatabaseService) {}

  private repo(tx?: EntityManager) {
    return (tx ?? this.db.manager).getRepository(AccountEntity);
  }

  async insert(tenantId: string, account: NewAccount, tx: EntityManager): Promise<AccountEntity> {
    await this.repo(tx).insert({ ...account, tenantId });
    return this.repo(tx).findOneByOrFail({ tenantId, accountId: account.accountId });
  }

  find(tenantId: string, accountId: string): Promise<AccountEntity | null> {
    return this.repo().findOneBy({ tenantId, accountId });
  }

  /** Reads the account and holds it (FOR SHARE) until `tx` ends: a concurrent delete waits. */
  hold(tenantId: string, accountId: string, tx: EntityManager): Promise<AccountEntity | null> {
    return this.repo(tx).findOne({ where: { tenantId, accountId }, lock: { mode: 'pessimistic_read' } });
  }

  list(tenantId: string): Promise<AccountEntity[]> {
    return this.repo().find({ where: { tenantId }, order: { createdAt: 'ASC', accountId: 'ASC' } });
  }

  /** Whether any tenant holds this id (the Client API bearer names accounts without a tenant). */
  async isTaken(accountId: string): Promise<boolean> {
    return this.repo().existsBy({ accountId });
  }

  /** The updated account, or null when the tenant has no such account. */
  async update(tenantId: string, accountId: string, changes: AccountChanges): Promise<AccountEntity | null> {
    if (Object.keys(changes).length) {
      const result = await this.repo().update({ tenantId, accountId }, changes);
      if (!result.affected) return null;
    }
    return this.find(tenantId, accountId);
  }

  /** Deletes the account and (by cascade) its devices; false when the tenant has no such account. */
  async delete(tenantId: string, accountId: string, tx: EntityManager): Promise<boolean> {
    const result = await this.repo(tx).delete({ tenantId, accountId });
    return Boolean(result.affected);
  }
}
