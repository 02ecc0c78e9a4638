import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import { DatabaseService, RpcClient } from '@cloudflow/platform';
import { ConnectionCeilings } from '../tenants/connection-ceilings';
import { AdminConfig } from '../admin.config';
import { RelayEventsPublisher } from '../common/relay-events.publisher';
import { uniqueViolation } from '../common/unique-violation';
import { newAccountId } from './account-id';
import { toAccountView, type AccountView, type NewAccountView } from './account.views';
import { AccountsRepository, type AccountChanges } from './accounts.repository';
import {
  CONNECTION_LIMIT_DEFAULT,
  REQUEST_TIMEOUT_DEFAULT_S,
  type CreateAccountDto,
  type UpdateAccountDto,
} from './accounts.dto';
import { webhookUrlProblem } from './webhook-url.rule';

const ID_ATTEMPTS = 5;

export function accountNotFound(accountId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.notFound, `Account '${accountId}' does not exist`);
}

/** The admin API's accounts (CONTRACT.md §9), always inside the caller's tenant. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly db: DatabaseService,
    private readonly rpc: RpcClient,
    private readonly events: RelayEventsPublisher,
    private readonly config: AdminConfig,
    private readonly ceilings: ConnectionCeilings,
  ) {}

  async create(tenantId: string, dto: CreateAccountDto): Promise<NewAccountView> {
    const webhookUrl = this.checkedWebhookUrl(dto.webhookUrl ?? null);
    await this.checkConnectionLimit(tenantId, dto.connectionLimit);
    if (dto.accountId != null && (await this.accounts.isTaken(dto.accountId))) throw duplicate(dto.accountId);
    for (let attempt = 1; ; attempt++) {
      const accountId = dto.accountId ?? newAccountId();
      try {
        // The credentials are made inside the transaction: if auth fails, no account is kept
        // either, and a retry starts clean (auth's set/create replace what a failed try left).
        const created = await this.db.transaction(async (tx) => {
          const row = await this.accounts.insert(
            tenantId,
            {
              accountId,
              name: dto.name,
              connectionLimit: dto.connectionLimit ?? CONNECTION_LIMIT_DEFAULT,
              webhookUrl,
              webhookEvents: [...new Set(dto.webhookEvents ?? [])],
              requestTimeoutSeconds: dto.requestTimeoutSeconds ?? REQUEST_TIMEOUT_DEFAULT_S,
            },
            tx,
          );
          const [{ apiToken }, { webhookSecret }] = await Promise.all([
            this.rpc.send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId }),
            this.rpc.send(SUBJECTS.auth.webhookSecretCreate, { tenantId, accountId }),
          ]);
          return { ...toAccountView(row), apiToken, webhookSecret };
        });
        await this.events.changed(tenantId, accountId);
        return created;
      } catch (error) {
        // auth keeps account ids unique too (e.g. a credential a failed create left behind).
        const authTaken = error instanceof CloudFlowError && error.code === ErrorCode.duplicateItem;
        if (uniqueViolation(error) !== 'accounts_pkey' && !authTaken) throw error;
        // A chosen id raced another create; a generated one collided: draw again.
        if (dto.accountId != null || attempt >= ID_ATTEMPTS) throw duplicate(accountId);
      }
    }
  }

  async list(tenantId: string): Promise<AccountView[]> {
    return (await this.accounts.list(tenantId)).map(toAccountView);
  }

  async get(tenantId: string, accountId: string): Promise<AccountView> {
    const account = await this.accounts.find(tenantId, accountId);
    if (!account) throw accountNotFound(accountId);
    return toAccountView(account);
  }

  async update(tenantId: string, accountId: string, dto: UpdateAccountDto): Promise<AccountView> {
    const changes: AccountChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    await this.checkConnectionLimit(tenantId, dto.connectionLimit);
    if (dto.connectionLimit !== undefined) changes.connectionLimit = dto.connectionLimit;
    if (dto.webhookUrl !== undefined) changes.webhookUrl = this.checkedWebhookUrl(dto.webhookUrl);
    if (dto.webhookEvents !== undefined) changes.webhookEvents = [...new Set(dto.webhookEvents)];
    if (dto.requestTimeoutSeconds !== undefined) changes.requestTimeoutSeconds = dto.requestTimeoutSeconds;
    const account = await this.accounts.update(tenantId, accountId, changes);
    if (!account) throw accountNotFound(accountId);
    await this.events.changed(tenantId, accountId);
    return toAccountView(account);
  }

  /** Deletes the account, its devices and every credential of them (auth then revokes sockets). */
  async delete(tenantId: string, accountId: string): Promise<{ accountId: string; deleted: true }> {
    await this.db.transaction(async (tx) => {
      if (!(await this.accounts.delete(tenantId, accountId, tx))) throw accountNotFound(accountId);
      // Inside the transaction: if auth cannot drop the credentials, the account stays as it was.
      await this.rpc.send(SUBJECTS.auth.credentialDelete, { tenantId, accountId });
    });
    await this.events.changed(tenantId, accountId);
    return { accountId, deleted: true };
  }

  /** A new API token; auth broadcasts the revocation of the old one. */
  async rotateToken(tenantId: string, accountId: string): Promise<{ accountId: string; apiToken: string }> {
    return this.db.transaction(async (tx) => {
      // Held while auth rotates, so a concurrent delete cannot leave a token behind for a gone account.
      if (!(await this.accounts.hold(tenantId, accountId, tx))) throw accountNotFound(accountId);
      const { apiToken } = await this.rpc.send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      return { accountId, apiToken };
    });
  }

  /** The tenant's own limit may not exceed the operator's ceiling (the tenant's, else CONNECTION_LIMIT_CEILING). */
  private async checkConnectionLimit(tenantId: string, limit: number | undefined): Promise<void> {
    if (limit === undefined) return;
    const { ceiling, source } = await this.ceilings.of(tenantId);
    if (limit <= ceiling) return;
    throw new CloudFlowError(
      ErrorCode.invalidData,
      `Invalid data: connectionLimit: ${limit} is above ${source === 'tenant' ? "this business's" : "this deployment's"} ceiling of ${ceiling} connections; ask the operator to raise it`,
    );
  }

  private checkedWebhookUrl(url: string | null): string | null {
    if (url === null) return null;
    const problem = webhookUrlProblem(url, { allowLoopbackHttp: this.config.WEBHOOK_ALLOW_LOOPBACK_HTTP });
    if (problem) throw new CloudFlowError(ErrorCode.invalidData, `Invalid data: webhookUrl: ${problem}`);
    return url;
  }
}

function duplicate(accountId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.duplicateItem, `Account ${accountId} already exists`);
}
