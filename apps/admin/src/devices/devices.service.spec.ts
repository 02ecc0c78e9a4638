import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import type { DatabaseService, RpcClient } from '@cloudflow/platform';
import { QueryFailedError } from 'typeorm';
import type { AccountsRepository } from '../accounts/accounts.repository';
import type { RelayEventsPublisher } from '../common/relay-events.publisher';
import { strictMock } from '../testing/controller-test-app';
import type { DevelopersRepository } from '../developers/developers.repository';
import type { DeviceEntity } from './device.entity';
import type { DevicesRepository } from './devices.repository';
import { DevicesService } from './devices.service';

const T = '3d2b8f7a-1c4e-4a8b-9f0d-6e5a4b3c2d1e';
const TX = { tx: true };
const CREATED = new Date('2025-01-02T03:04:05.000Z');
const BODY = { referenceId: 'till-1', serialNumber: 'SN-1', model: 'M1' };

function row(over: Partial<DeviceEntity> = {}): DeviceEntity {
  return {
    id: 'd1',
    tenantId: T,
    accountId: 'pos-1',
    referenceId: 'till-1',
    serialNumber: 'SN-1',
    model: 'M1',
    name: null,
    location: null,
    enabled: true,
    simulated: false,
    simulation: null,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...over,
  };
}

function pgError(code: string, constraint: string): QueryFailedError {
  return new QueryFailedError('INSERT', [], Object.assign(new Error('refused'), { code, constraint }));
}

describe('DevicesService', () => {
  const devices = strictMock<DevicesRepository>('devices', {
    find: jest.fn(),
    hold: jest.fn(),
    isSerialTaken: jest.fn(),
    insert: jest.fn(),
    list: jest.fn(),
    update: jest.fn(),
    delete: jest.fn(),
  });
  const accounts = strictMock<AccountsRepository>('accounts', { find: jest.fn() });
  const db = strictMock<DatabaseService>('db', {
    transaction: jest.fn(async (work: (tx: unknown) => unknown) => work(TX)),
  });
  const send = jest.fn(async (subject: string): Promise<unknown> => {
    if (subject === SUBJECTS.auth.deviceCredentialSet) return { apiToken: 'device-token' };
    if (subject === SUBJECTS.auth.credentialDelete) return { ok: true };
    throw new Error(`unexpected subject ${subject}`);
  });
  const events = strictMock<RelayEventsPublisher>('events', {
    changed: jest.fn(),
    deviceDisabled: jest.fn(),
  });
  const developers = {
    findById: jest.fn(async () => ({ kind: 'sandbox' })),
  } as unknown as DevelopersRepository;
  const service = new DevicesService(
    devices,
    accounts,
    db,
    { send } as unknown as RpcClient,
    events,
    developers,
  );

  beforeEach(() => {
    jest.clearAllMocks();
    accounts.find.mockResolvedValue({ accountId: 'pos-1', tenantId: T });
    devices.find.mockResolvedValue(null);
    devices.isSerialTaken.mockResolvedValue(false);
    devices.insert.mockImplementation(async (_t: string, _a: string, d: Partial<DeviceEntity>) => row(d));
  });

  it('registers a device with its credential in one transaction, then announces it', async () => {
    const created = await service.create(T, 'pos-1', { ...BODY, name: 'Till 1' }, 'dev-1');
    expect(created).toEqual({
      referenceId: 'till-1',
      serialNumber: 'SN-1',
      model: 'M1',
      name: 'Till 1',
      location: null,
      enabled: true,
      clientAccountId: 'pos-1',
      createdAt: CREATED.toISOString(),
      simulated: false,
      apiToken: 'device-token',
    });
    expect(devices.insert).toHaveBeenCalledWith(
      T,
      'pos-1',
      expect.objectContaining({ ...BODY, name: 'Till 1', location: null }),
      TX,
    );
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.deviceCredentialSet, {
      tenantId: T,
      accountId: 'pos-1',
      ...BODY,
    });
    expect(events.changed).toHaveBeenCalledWith(T, 'pos-1', 'till-1');
  });

  it('answers 404 for an account of another tenant, before anything else', async () => {
    accounts.find.mockResolvedValue(null);
    await expect(service.create(T, 'pos-x', BODY, 'dev-1')).rejects.toMatchObject({
      code: ErrorCode.notFound,
      message: "Account 'pos-x' does not exist",
    });
    await expect(service.list(T, 'pos-x')).rejects.toMatchObject({ code: ErrorCode.notFound });
    expect(accounts.find).toHaveBeenCalledWith(T, 'pos-x');
    expect(devices.insert).not.toHaveBeenCalled();
    expect(devices.list).not.toHaveBeenCalled();
  });

  it('refuses a taken referenceId or model + serial number with 409 before asking auth', async () => {
    devices.find.mockResolvedValueOnce(row());
    await expect(service.create(T, 'pos-1', BODY, 'dev-1')).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
      message: "Device 'till-1' already exists in this account",
    });
    devices.isSerialTaken.mockResolvedValueOnce(true);
    await expect(service.create(T, 'pos-1', BODY, 'dev-1')).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
      message: "A device with model 'M1' and serial number 'SN-1' already exists",
    });
    expect(devices.isSerialTaken).toHaveBeenCalledWith('M1', 'SN-1');
    expect(send).not.toHaveBeenCalled();
    expect(devices.insert).not.toHaveBeenCalled();
  });

  it.each([
    ['a referenceId race', pgError('23505', 'devices_account_id_reference_id_key'), ErrorCode.duplicateItem],
    ['a serial number race', pgError('23505', 'devices_model_serial_number_key'), ErrorCode.duplicateItem],
    ['the account deleted meanwhile', pgError('23503', 'devices_account_id_fkey'), ErrorCode.notFound],
  ])('maps %s to its error', async (_what, error, code) => {
    devices.insert.mockRejectedValueOnce(error);
    await expect(service.create(T, 'pos-1', BODY, 'dev-1')).rejects.toMatchObject({ code });
    expect(events.changed).not.toHaveBeenCalled();
  });

  it("maps auth's duplicateItem (model + serial number held by a credential) to the same 409", async () => {
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.duplicateItem, 'credential exists'));
    await expect(service.create(T, 'pos-1', BODY, 'dev-1')).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
      message: "A device with model 'M1' and serial number 'SN-1' already exists",
    });
  });

  it('disabling announces the change and revokes access; enabling only announces', async () => {
    devices.update.mockResolvedValue(row({ enabled: false }));
    await expect(service.update(T, 'pos-1', 'till-1', { enabled: false })).resolves.toMatchObject({
      enabled: false,
    });
    expect(devices.update).toHaveBeenCalledWith(T, 'pos-1', 'till-1', { enabled: false });
    expect(events.changed).toHaveBeenCalledWith(T, 'pos-1', 'till-1');
    expect(events.deviceDisabled).toHaveBeenCalledWith(T, 'pos-1', 'till-1');
    jest.clearAllMocks();
    devices.update.mockResolvedValue(row({ enabled: true, location: null }));
    await service.update(T, 'pos-1', 'till-1', { enabled: true, location: null });
    expect(devices.update).toHaveBeenCalledWith(T, 'pos-1', 'till-1', { enabled: true, location: null });
    expect(events.changed).toHaveBeenCalledTimes(1);
    expect(events.deviceDisabled).not.toHaveBeenCalled();
  });

  it('answers 404 for a device the account does not have, announcing nothing', async () => {
    devices.update.mockResolvedValue(null);
    devices.delete.mockResolvedValue(false);
    devices.hold.mockResolvedValue(null);
    const notFound = { code: ErrorCode.notFound, message: "Device 'till-9' does not exist" };
    await expect(service.update(T, 'pos-1', 'till-9', { enabled: false })).rejects.toMatchObject(notFound);
    await expect(service.get(T, 'pos-1', 'till-9')).rejects.toMatchObject(notFound);
    await expect(service.delete(T, 'pos-1', 'till-9')).rejects.toMatchObject(notFound);
    await expect(service.rotateToken(T, 'pos-1', 'till-9')).rejects.toMatchObject(notFound);
    expect(send).not.toHaveBeenCalled();
    expect(events.changed).not.toHaveBeenCalled();
    expect(events.deviceDisabled).not.toHaveBeenCalled();
  });

  it('deletes the device and its credential in one transaction', async () => {
    devices.delete.mockResolvedValue(true);
    await expect(service.delete(T, 'pos-1', 'till-1')).resolves.toEqual({
      clientAccountId: 'pos-1',
      referenceId: 'till-1',
      deleted: true,
    });
    expect(devices.delete).toHaveBeenCalledWith(T, 'pos-1', 'till-1', TX);
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.credentialDelete, {
      tenantId: T,
      accountId: 'pos-1',
      referenceId: 'till-1',
    });
    expect(events.changed).toHaveBeenCalledWith(T, 'pos-1', 'till-1');
  });

  it('rotates with the stored model and serial number', async () => {
    devices.hold.mockResolvedValue(row({ model: 'M9', serialNumber: 'SN-9' }));
    await expect(service.rotateToken(T, 'pos-1', 'till-1')).resolves.toEqual({
      clientAccountId: 'pos-1',
      referenceId: 'till-1',
      apiToken: 'device-token',
    });
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.deviceCredentialSet, {
      tenantId: T,
      accountId: 'pos-1',
      referenceId: 'till-1',
      model: 'M9',
      serialNumber: 'SN-9',
    });
  });

  it('makes a simulated device only for a sandbox developer, with the default settings filled in', async () => {
    const created = await service.create(
      T,
      'pos-1',
      { ...BODY, simulated: true, simulation: { delayMs: 5 } },
      'dev-1',
    );
    expect(created).toMatchObject({
      simulated: true,
      simulation: { delayMs: 5, events: 2, behaviour: 'approve' },
    });
    expect(developers.findById).toHaveBeenCalledWith('dev-1');

    (developers.findById as jest.Mock).mockResolvedValueOnce({ kind: 'production' });
    await expect(service.create(T, 'pos-1', { ...BODY, simulated: true }, 'dev-1')).rejects.toMatchObject({
      code: ErrorCode.forbidden,
    });
    await expect(
      service.create(T, 'pos-1', { ...BODY, simulation: { behaviour: 'decline' } }, 'dev-1'),
    ).rejects.toMatchObject({ code: ErrorCode.invalidData });
    expect(devices.insert).toHaveBeenCalledTimes(1);
  });

  it('merges new simulation settings into the stored ones, and refuses them for a real device', async () => {
    const stored = { delayMs: 300, events: 2, behaviour: 'approve' as const };
    devices.find.mockResolvedValueOnce(row({ simulated: true, simulation: stored }));
    devices.update.mockImplementationOnce(
      async (_t: string, _a: string, _r: string, c: Partial<DeviceEntity>) => row({ simulated: true, ...c }),
    );
    const updated = await service.update(T, 'pos-1', 'till-1', { simulation: { behaviour: 'late' } });
    expect(updated).toMatchObject({ simulation: { delayMs: 300, events: 2, behaviour: 'late' } });

    devices.find.mockResolvedValueOnce(row());
    await expect(
      service.update(T, 'pos-1', 'till-1', { simulation: { behaviour: 'late' } }),
    ).rejects.toMatchObject({ code: ErrorCode.invalidData });
    expect(devices.update).toHaveBeenCalledTimes(1);
  });
});
