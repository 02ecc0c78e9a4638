import 'reflect-metadata';
import { CloudFlowError, ErrorCode, type AccessRevokedEvent } from '@cloudflow/contracts';
import type { DatabaseService } from '@cloudflow/platform';
import { randomBytes } from 'node:crypto';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { AuthConfig } from '../auth.config';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import type { AuthEvents } from '../events/auth-events.publisher';
import type { RelayCredentialsRepository, UpsertOutcome } from './relay-credentials.repository';
import { RelayCredentialsService } from './relay-credentials.service';
import type { WebhookSecretRepository } from './webhook-secret.repository';

const secrets = new AuthSecrets(
  Object.assign(new AuthConfig(), { AUTH_HASH_KEY: randomBytes(32).toString('base64url') }),
);

/** Strict fakes: only the listed methods exist, so an unexpected call fails the test. */
function setUp(repository: Partial<RelayCredentialsRepository> = {}) {
  const published: AccessRevokedEvent[] = [];
  const events = {
    accessRevoked: jest.fn((e: AccessRevokedEvent) => Promise.resolve(void published.push(e))),
  };
  const manager = {} as EntityManager;
  const db = { transaction: jest.fn((work: (m: EntityManager) => Promise<unknown>) => work(manager)) };
  const webhookSecrets = { delete: jest.fn(() => Promise.resolve()) };
  const service = new RelayCredentialsService(
    db as unknown as DatabaseService,
    secrets,
    repository as RelayCredentialsRepository,
    webhookSecrets as unknown as WebhookSecretRepository,
    events as unknown as AuthEvents,
  );
  return { service, published, webhookSecrets, manager };
}

const uniqueViolation = () =>
  Object.assign(new QueryFailedError('INSERT', [], new Error('duplicate key')), {
    driverError: { code: '23505' },
  });

describe('RelayCredentialsService', () => {
  it.each<[UpsertOutcome, number]>([
    ['created', 0],
    ['rotated', 1],
  ])('sets an account token (%s) and broadcasts only a rotation', async (outcome, broadcasts) => {
    const upsertAccount = jest.fn((_t: string, _a: string, _h: string) => Promise.resolve(outcome));
    const { service, published } = setUp({ upsertAccount });
    const { apiToken } = await service.setAccount({ tenantId: 't1', accountId: 'pos-1' });
    expect(upsertAccount).toHaveBeenCalledWith('t1', 'pos-1', secrets.hashToken(apiToken));
    expect(published).toHaveLength(broadcasts);
    if (broadcasts) expect(published[0]).toEqual({ tenantId: 't1', accountId: 'pos-1', scope: 'account' });
  });

  it('refuses an account id held by another tenant', async () => {
    const { service, published } = setUp({ upsertAccount: () => Promise.resolve('taken') });
    await expect(service.setAccount({ tenantId: 't2', accountId: 'pos-1' })).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
    });
    expect(published).toEqual([]);
  });

  it('verifies an account token and refuses a wrong token or unknown account alike', async () => {
    const row = {
      accountId: 'pos-1',
      tenantId: 't1',
      tokenHash: secrets.hashToken('right'),
      createdAt: new Date(),
      rotatedAt: null,
    };
    const { service: s } = setUp({ findAccount: (id) => Promise.resolve(id === 'pos-1' ? row : null) });
    expect(await s.verifyAccount({ accountId: 'pos-1', apiToken: 'right' })).toEqual({
      tenantId: 't1',
      accountId: 'pos-1',
    });
    for (const attempt of [
      { accountId: 'pos-1', apiToken: 'wrong' },
      { accountId: 'POS-1', apiToken: 'right' },
    ]) {
      const error = await s.verifyAccount(attempt).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CloudFlowError);
      expect(error).toMatchObject({
        code: ErrorCode.unauthorized,
        message: 'Missing or invalid Authorization bearer token',
      });
    }
  });

  it('broadcasts a device rotation with its referenceId, and maps a taken model + serial to duplicateItem', async () => {
    const upsertDevice = jest.fn().mockResolvedValueOnce('rotated').mockRejectedValueOnce(uniqueViolation());
    const { service, published } = setUp({ upsertDevice });
    const device = {
      tenantId: 't1',
      accountId: 'pos-1',
      referenceId: 'till-7',
      model: 'A920',
      serialNumber: 'SN1',
    };
    await service.setDevice(device);
    expect(published).toEqual([
      { tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7', scope: 'device' },
    ]);
    await expect(service.setDevice({ ...device, referenceId: 'till-8' })).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
      message: "A device with model 'A920' and serial number 'SN1' already exists",
    });
    expect(published).toHaveLength(1);
  });

  it('deletes a device credential, or the whole account with its webhook secret, broadcasting each', async () => {
    const deleteDevice = jest.fn(() => Promise.resolve());
    const deleteAccount = jest.fn(() => Promise.resolve());
    const { service, published, webhookSecrets, manager } = setUp({ deleteDevice, deleteAccount });

    expect(await service.delete({ tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7' })).toEqual({
      ok: true,
    });
    expect(deleteDevice).toHaveBeenCalledWith('t1', 'pos-1', 'till-7');
    expect(deleteAccount).not.toHaveBeenCalled();

    expect(await service.delete({ tenantId: 't1', accountId: 'pos-1' })).toEqual({ ok: true });
    expect(deleteAccount).toHaveBeenCalledWith(manager, 't1', 'pos-1');
    expect(webhookSecrets.delete).toHaveBeenCalledWith(manager, 't1', 'pos-1');
    expect(published).toEqual([
      { tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7', scope: 'device', deleted: true },
      { tenantId: 't1', accountId: 'pos-1', scope: 'account', deleted: true },
    ]);
  });
});
