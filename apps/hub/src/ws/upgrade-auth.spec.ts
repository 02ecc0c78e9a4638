import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES } from '@cloudflow/contracts';
import type { JwtVerifier, PresenceStore } from '@cloudflow/platform';
import { strictMock } from '@cloudflow/testing';
import type { IncomingMessage } from 'node:http';
import type { SlotReservations } from '../connections/slot-reservations';
import { HubConfig } from '../hub.config';
import type { RelayLookup } from '../lookup/relay-lookup';
import type { UpgradeDevices } from '../lookup/upgrade-devices';
import { UpgradeAuth } from './upgrade-auth';
import type { RevocationFloors } from './revocation-floors';

function setup(claims: Record<string, unknown> | Error) {
  const jwt = {
    verify: jest.fn(async () => {
      if (claims instanceof Error) throw claims;
      return claims;
    }),
  };
  const auth = new UpgradeAuth(
    strictMock<JwtVerifier>('jwt', jwt as unknown as Partial<JwtVerifier>),
    strictMock<RelayLookup>('lookup'),
    strictMock<UpgradeDevices>('upgradeDevices'),
    strictMock<PresenceStore>('presence'),
    strictMock<SlotReservations>('slots'),
    new HubConfig(),
    strictMock<RevocationFloors>('floors'),
  );
  return { auth, jwt };
}
const req = (authorization?: string) => ({ headers: { authorization } }) as IncomingMessage;
const url = (q = '') => new URL(`ws://hub/ws${q}`);

describe('UpgradeAuth.authenticate', () => {
  it('takes the token from the Authorization header, for the websocket audience', async () => {
    const { auth, jwt } = setup({ kind: 'client', tid: 't', acc: 'a', sub: 'a', akid: 'k', ims: 1234 });
    expect(await auth.authenticate(req('Bearer tok '), url('?access_token=other'))).toEqual({
      kind: 'client',
      tenantId: 't',
      accountId: 'a',
      referenceId: undefined,
      appKeyId: 'k',
      issuedAtMs: 1234,
    });
    expect(jwt.verify).toHaveBeenCalledWith('tok', TOKEN_AUDIENCES.websocket);
  });

  it('takes it from access_token otherwise; a device is its subject, iat in ms', async () => {
    const { auth, jwt } = setup({ kind: 'device', tid: 't', acc: 'a', sub: 'till-1', iat: 5 });
    expect(await auth.authenticate(req(), url('?access_token=qtok'))).toEqual({
      kind: 'device',
      tenantId: 't',
      accountId: 'a',
      referenceId: 'till-1',
      issuedAtMs: 5000,
    });
    expect(jwt.verify).toHaveBeenCalledWith('qtok', TOKEN_AUDIENCES.websocket);
  });

  it('no token: unauthorized, nothing verified', async () => {
    const { auth, jwt } = setup({});
    await expect(auth.authenticate(req(), url())).rejects.toMatchObject({ code: ErrorCode.unauthorized });
    expect(jwt.verify).not.toHaveBeenCalled();
  });

  it('a bad or expired token: the verifier’s unauthorized', async () => {
    const { auth } = setup(new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token'));
    await expect(auth.authenticate(req('Bearer x'), url())).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
  });

  it.each([
    { kind: 'admin', tid: 't', acc: 'a', sub: 's' },
    { kind: 'client', tid: 't', sub: 's' },
  ])('claims that are not a socket’s: unauthorized (%o)', async (claims) => {
    const { auth } = setup(claims);
    await expect(auth.authenticate(req('Bearer x'), url())).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
      message: 'Invalid or expired token',
    });
  });
});
