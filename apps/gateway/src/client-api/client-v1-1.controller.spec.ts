import { CloudFlowError, ErrorCode, type RequestView, type VerifiedAccount } from '@cloudflow/contracts';
import type { RequestWithAppKey, UsageLimiter } from '@cloudflow/access';
import type { Response } from 'express';
import type { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import type { RequestCancelService } from '../requests/request-cancel.service';
import type { RequestDispatchService } from '../requests/request-dispatch.service';
import type { RequestFinals } from '../requests/request-finals';
import type { AsyncRequestBody } from '../requests/requests.dto';
import type { ClientDevicesService } from './client-devices.service';
import { ClientV11Controller } from './client-v1-1.controller';

const ACCOUNT: VerifiedAccount = { tenantId: 't1', accountId: 'pos-1' };
const BODY = { requestId: 'r1', type: 'payment', target: 'till-1' } as AsyncRequestBody;
const RECORD = { requestId: 'r1', status: 'connectionLost' } as RequestView;

/** "Dispatched, outcome unknown": the terminal's hub went before it confirmed the delivery. */
const unknownOutcome = () =>
  new CloudFlowError(ErrorCode.connectionLost, "Device 'till-1' did not confirm the request in time", {
    dispatched: true,
  });

describe('ClientV11Controller POST /requests', () => {
  const send = jest.fn();
  const get = jest.fn();
  const finals = { hold: jest.fn(() => true), release: jest.fn(), until: jest.fn() };
  const controller = new ClientV11Controller(
    {} as ConnectionCredentialsService,
    {} as ClientDevicesService,
    { send, get } as unknown as RequestDispatchService,
    { countPayment: jest.fn() } as unknown as UsageLimiter,
    finals as unknown as RequestFinals,
    {} as RequestCancelService,
  );
  const call = (prefer?: string) => {
    const headers: Record<string, string> = {};
    let status = 0;
    const res = {
      setHeader: (k: string, v: string) => (headers[k.toLowerCase()] = v),
      status: (s: number) => (status = s),
    } as unknown as Response;
    const req = { headers: prefer ? { prefer } : {} } as RequestWithAppKey;
    return controller.sendRequest(ACCOUNT, BODY, req, res).then((body) => ({ body, status, headers }));
  };

  beforeEach(() => jest.clearAllMocks());

  it('with Prefer: wait, answers an unknown outcome with the record the gateway concluded', async () => {
    send.mockRejectedValueOnce(unknownOutcome());
    get.mockResolvedValueOnce(RECORD);
    expect(await call('wait=30')).toEqual({
      body: RECORD,
      status: 200,
      headers: { 'preference-applied': 'wait=30' },
    });
    expect(get).toHaveBeenCalledWith(ACCOUNT, 'r1');
    expect(finals.release).toHaveBeenCalledTimes(1);
  });

  it('without Prefer: wait, or when the record is not concluded or cannot be read, throws the 410 as before', async () => {
    send.mockRejectedValueOnce(unknownOutcome());
    await expect(call()).rejects.toMatchObject({ code: ErrorCode.connectionLost, dispatched: true });
    expect(get).not.toHaveBeenCalled();

    send.mockRejectedValueOnce(unknownOutcome());
    get.mockResolvedValueOnce({ ...RECORD, status: 'dispatched' });
    await expect(call('wait=30')).rejects.toMatchObject({ dispatched: true });

    send.mockRejectedValueOnce(unknownOutcome());
    get.mockRejectedValueOnce(new CloudFlowError(ErrorCode.storageFailed, 'down'));
    await expect(call('wait=30')).rejects.toMatchObject({ code: ErrorCode.connectionLost });
  });

  it('never turns a refusal (nothing dispatched) into a record', async () => {
    send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.preconditionFailed, "Device 'till-1' is busy"));
    await expect(call('wait=30')).rejects.toMatchObject({ code: ErrorCode.preconditionFailed });
    expect(get).not.toHaveBeenCalled();
  });
});
