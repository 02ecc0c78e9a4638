import { CloudFlowError, ErrorCode, SUBJECTS, type DeviceRecord } from '@cloudflow/contracts';
import type { RpcClient } from '@cloudflow/platform';
import type { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { ClientDevicesService } from './client-devices.service';

const me = { tenantId: 't1', accountId: 'pos-1' };
const record = (over: Partial<DeviceRecord> = {}): DeviceRecord => ({
  tenantId: 't1',
  clientAccountId: 'pos-1',
  referenceId: 'till-7',
  serialNumber: 'SN-7',
  model: 'A920',
  name: 'Till 7',
  location: null,
  enabled: true,
  ...over,
});
const view = (r: DeviceRecord) => ({
  clientAccountId: r.clientAccountId,
  referenceId: r.referenceId,
  serialNumber: r.serialNumber,
  model: r.model,
  name: r.name,
  location: r.location,
});

/** Strict doubles: unscripted calls reject. */
function setup() {
  const send = jest.fn((subject: string, _req: unknown): Promise<unknown> =>
    Promise.reject(new Error(`unexpected RPC ${subject}`)),
  );
  const deviceState = jest.fn((..._args: string[]): Promise<unknown> =>
    Promise.reject(new Error('unexpected presence read')),
  );
  const service = new ClientDevicesService(
    { send } as unknown as RpcClient,
    { deviceState } as unknown as PresenceStore,
    { warn: () => undefined } as unknown as Logger,
  );
  return { service, send, deviceState };
}

describe('ClientDevicesService', () => {
  it('lists through admin with only the given filters, and returns the public view only', async () => {
    const { service, send } = setup();
    const devices = [record(), record({ referenceId: 'till-8', location: 'Back' })];
    send.mockResolvedValueOnce({ devices });
    await expect(service.list(me, { model: 'A920', location: undefined })).resolves.toEqual(
      devices.map(view),
    );
    expect(send).toHaveBeenCalledWith(SUBJECTS.admin.deviceList, {
      tenantId: 't1',
      accountId: 'pos-1',
      model: 'A920',
    });
  });

  it('never returns a device of another account or tenant, even if admin did', async () => {
    const { service, send } = setup();
    send.mockResolvedValueOnce({
      devices: [record(), record({ clientAccountId: 'pos-2' }), record({ tenantId: 't2' })],
    });
    expect(await service.list(me, {})).toEqual([view(record())]);
    send.mockResolvedValueOnce(record({ clientAccountId: 'pos-2' }));
    await expect(service.get(me, 'till-7')).rejects.toMatchObject({
      code: ErrorCode.notFound,
      message: "Device 'till-7' does not exist",
    });
  });

  it('gets one device, and passes admin’s 404 through', async () => {
    const { service, send } = setup();
    send.mockResolvedValueOnce(record());
    await expect(service.get(me, 'till-7')).resolves.toEqual(view(record()));
    expect(send).toHaveBeenCalledWith(SUBJECTS.admin.deviceGet, {
      tenantId: 't1',
      accountId: 'pos-1',
      referenceId: 'till-7',
    });
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.notFound, "Device 'nope' does not exist"));
    await expect(service.get(me, 'nope')).rejects.toMatchObject({ code: ErrorCode.notFound });
  });

  it('reports a connected device with connectedSince', async () => {
    const { service, send, deviceState } = setup();
    send.mockResolvedValueOnce(record());
    deviceState.mockResolvedValueOnce({
      connected: true,
      connectedSince: '2025-11-23T09:00:00.000Z',
      lastSeen: null,
    });
    await expect(service.connection(me, 'till-7')).resolves.toEqual({
      connected: true,
      connectedSince: '2025-11-23T09:00:00.000Z',
    });
    expect(deviceState).toHaveBeenCalledWith('t1', 'pos-1', 'till-7');
  });

  it('reports a disconnected device with lastSeen, null when it never connected', async () => {
    const { service, send, deviceState } = setup();
    send.mockResolvedValue(record());
    deviceState.mockResolvedValueOnce({ connected: false, lastSeen: '2025-11-23T08:00:00.000Z' });
    await expect(service.connection(me, 'till-7')).resolves.toEqual({
      connected: false,
      lastSeen: '2025-11-23T08:00:00.000Z',
    });
    deviceState.mockResolvedValueOnce({ connected: false, lastSeen: null });
    await expect(service.connection(me, 'till-7')).resolves.toEqual({ connected: false, lastSeen: null });
  });

  it('answers 404 for an unknown device without reading presence', async () => {
    const { service, send, deviceState } = setup();
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.notFound, "Device 'x' does not exist"));
    await expect(service.connection(me, 'x')).rejects.toMatchObject({ code: ErrorCode.notFound });
    expect(deviceState).not.toHaveBeenCalled();
  });

  it('turns a presence outage into a clear failure', async () => {
    const { service, send, deviceState } = setup();
    send.mockResolvedValueOnce(record());
    deviceState.mockRejectedValueOnce(new Error('503'));
    await expect(service.connection(me, 'till-7')).rejects.toMatchObject({ code: ErrorCode.failed });
  });
});
