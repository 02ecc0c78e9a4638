import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { websocketClaims } from './websocket-claims';

describe('websocketClaims', () => {
  it('names the device by its referenceId', () => {
    expect(
      websocketClaims({ kind: 'device', tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7' }),
    ).toEqual({
      kind: 'device',
      tid: 't1',
      acc: 'pos-1',
      sub: 'till-7',
    });
  });

  it('names a client by its account, ignoring a referenceId', () => {
    const expected = { kind: 'client', tid: 't1', acc: 'pos-1', sub: 'pos-1' };
    expect(websocketClaims({ kind: 'client', tenantId: 't1', accountId: 'pos-1' })).toEqual(expected);
    expect(
      websocketClaims({ kind: 'client', tenantId: 't1', accountId: 'pos-1', referenceId: 'till-7' }),
    ).toEqual(expected);
  });

  it('refuses a device token without a referenceId, naming the field', () => {
    let thrown: unknown;
    try {
      websocketClaims({ kind: 'device', tenantId: 't1', accountId: 'pos-1' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CloudFlowError);
    expect(thrown).toMatchObject({
      code: ErrorCode.invalidData,
      message: expect.stringContaining('referenceId') as unknown,
    });
  });
});
