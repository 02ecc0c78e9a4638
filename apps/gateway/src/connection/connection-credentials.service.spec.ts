import { CloudFlowError, ErrorCode, SUBJECTS, type AccountRecord } from '@cloudflow/contracts';
import type { RpcClient } from '@cloudflow/platform';
import type { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';
import { ConnectionCredentialsService } from './connection-credentials.service';

const account = (connectionLimit: number): AccountRecord => ({
  tenantId: 't1',
  accountId: 'pos-1',
  name: 'POS',
  connectionLimit,
  webhookUrl: null,
});
const silent = { warn: () => undefined } as unknown as Logger;

/** Strict doubles: anything not scripted rejects, so an unexpected call fails the test. */
function setup(limit: number, slots: number, deviceOnline = false) {
  const send = jest.fn(async (subject: string, req: { kind?: string }): Promise<unknown> => {
    if (subject === SUBJECTS.admin.accountGet) return account(limit);
    if (subject === SUBJECTS.auth.websocketToken)
      return { accessToken: `jwt-for-${req.kind}`, expiresIn: 300 };
    throw new Error(`unexpected RPC ${subject}`);
  });
  const presence = {
    slotsElsewhere: jest.fn(async () => slots),
    deviceOwner: jest.fn(async () =>
      deviceOnline ? { hubId: 'h1', connId: 'c1', epoch: 1, connectedSince: 'x' } : undefined,
    ),
  };
  const config = Object.assign(new GatewayConfig(), { HUB_PUBLIC_URL: 'wss://hubs.example/ws' });
  const service = new ConnectionCredentialsService(
    { send } as unknown as RpcClient,
    presence as unknown as PresenceStore,
    config,
    silent,
  );
  return { service, send, presence };
}

describe('ConnectionCredentialsService', () => {
  it('issues client credentials with the configured hub URL while under the limit', async () => {
    const { service, send, presence } = setup(3, 2);
    await expect(service.issue({ kind: 'client', tenantId: 't1', accountId: 'pos-1' })).resolves.toEqual({
      connectionType: 'websocket',
      connectionUrl: 'wss://hubs.example/ws',
      tokenType: 'jwt',
      accessToken: 'jwt-for-client',
    });
    expect(send).toHaveBeenCalledWith(SUBJECTS.admin.accountGet, { tenantId: 't1', accountId: 'pos-1' });
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.websocketToken, {
      kind: 'client',
      tenantId: 't1',
      accountId: 'pos-1',
    });
    expect(presence.slotsElsewhere).toHaveBeenCalledWith('t1', 'pos-1');
    expect(presence.deviceOwner).not.toHaveBeenCalled();
  });

  it('answers 429 tooManyConnections at the limit and issues no token', async () => {
    const { service, send } = setup(2, 2);
    const error = await service
      .issue({ kind: 'client', tenantId: 't1', accountId: 'pos-1' })
      .catch((e: unknown) => e);
    expect((error as CloudFlowError).toBody()).toEqual({
      errorCode: ErrorCode.tooManyConnections,
      errorMessage: 'Connection limit of 2 reached for this account',
    });
    expect(send).not.toHaveBeenCalledWith(SUBJECTS.auth.websocketToken, expect.anything());
  });

  it('issues device credentials naming the device', async () => {
    const { service, send } = setup(5, 0);
    const creds = await service.issue({
      kind: 'device',
      tenantId: 't1',
      accountId: 'pos-1',
      referenceId: 'till-7',
    });
    expect(creds.accessToken).toBe('jwt-for-device');
    expect(send).toHaveBeenCalledWith(SUBJECTS.auth.websocketToken, {
      kind: 'device',
      tenantId: 't1',
      accountId: 'pos-1',
      referenceId: 'till-7',
    });
  });

  it("does not count a connected device's own socket against its re-enrolment (it will be replaced)", async () => {
    const online = setup(2, 2, true);
    await expect(
      online.service.issue({ kind: 'device', tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7' }),
    ).resolves.toMatchObject({ tokenType: 'jwt' });
    expect(online.presence.deviceOwner).toHaveBeenCalledWith('t1', 'pos-1', 'till-7');
    const offline = setup(2, 2, false);
    await expect(
      offline.service.issue({ kind: 'device', tenantId: 't1', accountId: 'pos-1', referenceId: 'till-8' }),
    ).rejects.toMatchObject({ code: ErrorCode.tooManyConnections });
  });

  it('passes a missing account through and turns a presence outage into a clear failure', async () => {
    const { service, send, presence } = setup(2, 0);
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.notFound, "Account 'pos-1' does not exist"));
    await expect(service.issue({ kind: 'client', tenantId: 't1', accountId: 'pos-1' })).rejects.toMatchObject(
      { code: ErrorCode.notFound },
    );
    presence.slotsElsewhere.mockRejectedValueOnce(new Error('TIMEOUT'));
    await expect(service.issue({ kind: 'client', tenantId: 't1', accountId: 'pos-1' })).rejects.toMatchObject(
      {
        code: ErrorCode.failed,
        message: 'Live connection state is unavailable right now; please retry',
      },
    );
  });
});
