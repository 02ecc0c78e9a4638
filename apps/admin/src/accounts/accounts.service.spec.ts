import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import type { DatabaseService, RpcClient } from '@cloudflow/platform';
import { QueryFailedError } from 'typeorm';
import type { AdminConfig } from '../admin.config';
import type { RelayEventsPublisher } from '../common/relay-events.publisher';
import { strictMock } from '../testing/controller-test-app';
import { GENERATED_ACCOUNT_ID } from './account-id';
import type { AccountEntity } from './account.entity';
import { ConnectionCeilings } from '../tenants/connection-ceilings';
import type { TenantsRepository } from '../tenants/tenants.repository';
import type { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';

const T = '3d2b8f7a-1c4e-4a8b-9f0d-6e5a4b3c2d1e';
const TX = { tx: true };
const CREATED = new Date('2025-01-02T03:04:05.000Z');

function row(over: Partial<AccountEntity> = {}): AccountEntity {
  return {
    accountId: 'pos-1',
    tenantId: T,
    name: 'POS',
    connectionLimit: 10,
    webhookUrl: null,
    webhookEvents: [],
    requestTimeoutSeconds: 150,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...over,
  };
}

function duplicateKey(constraint: string): QueryFailedError {
  return new QueryFailedError(
    'INSERT',
    [],
    Object.assign(new Error('duplicate key'), { code: '23505', constraint }),
  );
}

describe('AccountsService', () => {
  const repo = strictMock<AccountsRepository>('accounts', {
    isTaken: jest.fn(),
    insert: jest.fn(),
    find: jest.fn(),
    hold: jest.fn(),
    update: jest.fn(),
    delete: jest.fn(),
  });
  const db = strictMock<DatabaseService>('db', {
    transaction: jest.fn(async (work: (tx: unknown) => unknown) => work(TX)),
  });
  const send = jest.fn(async (subject: string) => {
    if (subject === SUBJECTS.auth.accountCredentialSet) return { apiToken: 'api-token-1' };
    if (subject === SUBJECTS.auth.webhookSecretCreate) return { webhookSecret: 'whsec-1' };
    if (subject === SUBJECTS.auth.credentialDelete) return { ok: true };
    throw new Error(`unexpected subject ${subject}`);
  });
  const events = strictMock<RelayEventsPublisher>('events', { changed: jest.fn() });
  const config = { WEBHOOK_ALLOW_LOOPBACK_HTTP: false, CONNECTION_LIMIT_CEILING: 1000 } as AdminConfig;
  // The operator's ceiling for tenant T (null: unset, the deployment's 1000 applies).
  let tenantCeiling: number | null = null;
  const tenants = { connectionCeiling: () => Promise.resolve(tenantCeiling) } as unknown as TenantsRepository;
  const service = new AccountsService(
    repo,
    db,
    { send } as unknown as RpcClient,
    events,
    config,
    new ConnectionCeilings(tenants, config),
  );

  beforeEach(() => {
    jest.clearAllMocks();
    config.WEBHOOK_ALLOW_LOOPBACK_HTTP = false;
    tenantCeiling = null;
    repo.insert.mockImplementation(async (_t: string, a: Partial<AccountEntity>) => row(a));
  });

  it('creates a chosen id in one transaction with its API token and webhook secret, then announces it', async () => {
    repo.isTaken.mockResolvedValue(false);
    const created = await service.create(T, {
      accountId: 'Pos-1',
      name: 'Front',
      connectionLimit: 3,
      webhookUrl: 'https://example.com/h',
    });
    expect(created).toEqual({
      accountId: 'Pos-1',
      name: 'Front',
      connectionLimit: 3,
      webhookUrl: 'https://example.com/h',
      webhookEvents: [],
      requestTimeoutSeconds: 150,
      createdAt: CREATED.toISOString(),
      apiToken: 'api-token-1',
      webhookSecret: 'whsec-1',
    });
    expect(repo.insert).toHaveBeenCalledWith(
      T,
      {
        accountId: 'Pos-1',
        name: 'Front',
        connectionLimit: 3,
        webhookUrl: 'https://example.com/h',
        webhookEvents: [],
        requestTimeoutSeconds: 150,
      },
      TX,
    );
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.accountCredentialSet, {
      tenantId: T,
      accountId: 'Pos-1',
    });
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.webhookSecretCreate, { tenantId: T, accountId: 'Pos-1' });
    expect(events.changed).toHaveBeenCalledWith(T, 'Pos-1');
  });

  it('refuses a taken id with 409 before storing anything or asking auth', async () => {
    repo.isTaken.mockResolvedValue(true);
    await expect(service.create(T, { accountId: 'pos-1', name: 'POS' })).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
      message: 'Account pos-1 already exists',
    });
    expect(repo.insert).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
  });

  it('turns a create that lost a race for the id into 409', async () => {
    repo.isTaken.mockResolvedValue(false);
    repo.insert.mockRejectedValue(duplicateKey('accounts_pkey'));
    await expect(service.create(T, { accountId: 'pos-1', name: 'POS' })).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
    });
    expect(repo.insert).toHaveBeenCalledTimes(1);
    expect(events.changed).not.toHaveBeenCalled();
  });

  it('generates an acct_ id with the default limit when none is given, drawing again on a collision', async () => {
    repo.insert.mockRejectedValueOnce(duplicateKey('accounts_pkey'));
    const created = await service.create(T, { name: 'POS' });
    expect(created.accountId).toMatch(GENERATED_ACCOUNT_ID);
    expect(created.connectionLimit).toBe(10);
    expect(repo.insert).toHaveBeenCalledTimes(2);
    const [first, second] = repo.insert.mock.calls.map(
      (c: [string, { accountId: string }]) => c[1].accountId,
    );
    expect(first).not.toBe(second);
    expect(repo.isTaken).not.toHaveBeenCalled();
  });

  it('keeps no account when auth fails, and announces nothing', async () => {
    repo.isTaken.mockResolvedValue(false);
    send.mockRejectedValueOnce(
      new CloudFlowError(ErrorCode.failed, 'The auth service did not answer in time; please retry'),
    );
    await expect(service.create(T, { accountId: 'pos-1', name: 'POS' })).rejects.toMatchObject({
      code: ErrorCode.failed,
    });
    expect(db.transaction).toHaveBeenCalledTimes(1);
    expect(events.changed).not.toHaveBeenCalled();
  });

  it("maps auth's duplicateItem (a credential holds the id) to the same 409", async () => {
    repo.isTaken.mockResolvedValue(false);
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.duplicateItem, 'taken in auth'));
    await expect(service.create(T, { accountId: 'pos-1', name: 'POS' })).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
      message: 'Account pos-1 already exists',
    });
    expect(events.changed).not.toHaveBeenCalled();
  });

  it('refuses a private webhook URL with 422 naming webhookUrl, and loopback http unless the deployment allows it', async () => {
    repo.isTaken.mockResolvedValue(false);
    await expect(
      service.create(T, { name: 'POS', webhookUrl: 'https://192.168.0.10/h' }),
    ).rejects.toMatchObject({
      code: ErrorCode.invalidData,
      message: 'Invalid data: webhookUrl: must not point at a private, link-local or unspecified address',
    });
    await expect(
      service.create(T, { name: 'POS', webhookUrl: 'http://127.0.0.1:9999/h' }),
    ).rejects.toMatchObject({ code: ErrorCode.invalidData });
    expect(repo.insert).not.toHaveBeenCalled();
    config.WEBHOOK_ALLOW_LOOPBACK_HTTP = true;
    await expect(
      service.create(T, { name: 'POS', webhookUrl: 'http://127.0.0.1:9999/h' }),
    ).resolves.toMatchObject({ webhookUrl: 'http://127.0.0.1:9999/h' });
  });

  it("refuses a connectionLimit above the operator's ceiling with 422 on create and update, and takes the ceiling itself", async () => {
    repo.isTaken.mockResolvedValue(false);
    await expect(service.create(T, { name: 'POS', connectionLimit: 1001 })).rejects.toMatchObject({
      code: ErrorCode.invalidData,
      message:
        "Invalid data: connectionLimit: 1001 is above this deployment's ceiling of 1000 connections; ask the operator to raise it",
    });
    await expect(service.update(T, 'pos-1', { connectionLimit: 100_000 })).rejects.toMatchObject({
      code: ErrorCode.invalidData,
    });
    expect(repo.insert).not.toHaveBeenCalled();
    expect(repo.update).not.toHaveBeenCalled();
    await expect(service.create(T, { name: 'POS', connectionLimit: 1000 })).resolves.toMatchObject({
      connectionLimit: 1000,
    });
    repo.update.mockResolvedValue(row({ connectionLimit: 1000 }));
    await expect(service.update(T, 'pos-1', { connectionLimit: 1000 })).resolves.toMatchObject({
      connectionLimit: 1000,
    });
    expect(repo.update).toHaveBeenCalledWith(T, 'pos-1', { connectionLimit: 1000 });
  });

  it("holds the tenant to the operator's own ceiling for it when one is set, below or above the deployment's", async () => {
    repo.isTaken.mockResolvedValue(false);
    tenantCeiling = 20;
    await expect(service.create(T, { name: 'POS', connectionLimit: 21 })).rejects.toMatchObject({
      code: ErrorCode.invalidData,
      message:
        "Invalid data: connectionLimit: 21 is above this business's ceiling of 20 connections; ask the operator to raise it",
    });
    tenantCeiling = 5000;
    await expect(service.create(T, { name: 'POS', connectionLimit: 5000 })).resolves.toMatchObject({
      connectionLimit: 5000,
    });
  });

  it('updates only what was sent, clears the webhook with null, and announces the change', async () => {
    repo.update.mockResolvedValue(row({ name: 'New' }));
    await expect(service.update(T, 'pos-1', { name: 'New', webhookUrl: null })).resolves.toMatchObject({
      name: 'New',
    });
    expect(repo.update).toHaveBeenCalledWith(T, 'pos-1', { name: 'New', webhookUrl: null });
    expect(events.changed).toHaveBeenCalledWith(T, 'pos-1');
    await expect(service.update(T, 'pos-1', { webhookUrl: 'https://10.0.0.1/h' })).rejects.toMatchObject({
      code: ErrorCode.invalidData,
    });
    expect(repo.update).toHaveBeenCalledTimes(1);
  });

  it('answers 404 for an account the tenant does not have, changing and announcing nothing', async () => {
    repo.update.mockResolvedValue(null);
    repo.find.mockResolvedValue(null);
    repo.delete.mockResolvedValue(false);
    repo.hold.mockResolvedValue(null);
    const notFound = { code: ErrorCode.notFound, message: "Account 'other' does not exist" };
    await expect(service.update(T, 'other', { name: 'x' })).rejects.toMatchObject(notFound);
    await expect(service.get(T, 'other')).rejects.toMatchObject(notFound);
    await expect(service.delete(T, 'other')).rejects.toMatchObject(notFound);
    await expect(service.rotateToken(T, 'other')).rejects.toMatchObject(notFound);
    expect(send).not.toHaveBeenCalled();
    expect(events.changed).not.toHaveBeenCalled();
  });

  it('deletes the account and its credentials in one transaction, then announces it', async () => {
    repo.delete.mockResolvedValue(true);
    await expect(service.delete(T, 'pos-1')).resolves.toEqual({ accountId: 'pos-1', deleted: true });
    expect(repo.delete).toHaveBeenCalledWith(T, 'pos-1', TX);
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.credentialDelete, { tenantId: T, accountId: 'pos-1' });
    expect(events.changed).toHaveBeenCalledWith(T, 'pos-1');
  });

  it('rotates the API token of an account it holds', async () => {
    repo.hold.mockResolvedValue(row());
    await expect(service.rotateToken(T, 'pos-1')).resolves.toEqual({
      accountId: 'pos-1',
      apiToken: 'api-token-1',
    });
    expect(repo.hold).toHaveBeenCalledWith(T, 'pos-1', TX);
  });
});
