import { ErrorCode, SUBJECTS, type DeviceRecord } from '@cloudflow/contracts';
import type { RpcClient } from '@cloudflow/platform';
import type { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import { DeviceEnrolService } from './device-enrol.service';

const device = { tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7' };
const record = (enabled: boolean): DeviceRecord => ({
  tenantId: 't1',
  clientAccountId: 'pos-1',
  referenceId: 'till-7',
  serialNumber: 'SN-7',
  model: 'A920',
  name: null,
  location: null,
  enabled,
});
const credentials = {
  connectionType: 'websocket',
  connectionUrl: 'ws://h/ws',
  tokenType: 'jwt',
  accessToken: 'jwt',
} as const;

function setup(enabled: boolean) {
  const send = jest.fn(async (subject: string, _req: unknown): Promise<unknown> => {
    if (subject === SUBJECTS.admin.deviceGet) return record(enabled);
    throw new Error(`unexpected RPC ${subject}`);
  });
  const issue = jest.fn(async (_holder: unknown) => credentials);
  const service = new DeviceEnrolService(
    { send } as unknown as RpcClient,
    { issue } as unknown as ConnectionCredentialsService,
  );
  return { service, send, issue };
}

describe('DeviceEnrolService', () => {
  it('issues device credentials for an enabled device', async () => {
    const { service, send, issue } = setup(true);
    await expect(service.enrol(device)).resolves.toEqual(credentials);
    expect(send).toHaveBeenCalledWith(SUBJECTS.admin.deviceGet, device);
    expect(issue).toHaveBeenCalledWith({ kind: 'device', ...device });
  });

  it('refuses a disabled device with 403 and issues nothing', async () => {
    const { service, issue } = setup(false);
    await expect(service.enrol(device)).rejects.toMatchObject({
      code: ErrorCode.forbidden,
      message: 'Device is disabled',
    });
    expect(issue).not.toHaveBeenCalled();
  });
});
