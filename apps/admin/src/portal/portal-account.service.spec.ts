import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import type { JwtVerifier, RpcClient } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { QueryFailedError } from 'typeorm';
import type { DevelopersRepository } from '../developers/developers.repository';
import { strictMock } from '../testing/controller-test-app';
import { PortalAccountService } from './portal-account.service';

const duplicate = (constraint: string) =>
  new QueryFailedError(
    'INSERT',
    [],
    Object.assign(new Error('duplicate key'), { code: '23505', constraint }),
  );

describe('PortalAccountService', () => {
  const logger = { error: jest.fn() } as unknown as Logger;
  let developers: ReturnType<typeof strictMock<DevelopersRepository>>;
  let rpc: ReturnType<typeof strictMock<RpcClient>>;
  let jwt: ReturnType<typeof strictMock<JwtVerifier>>;
  let service: PortalAccountService;
  const signup = { name: 'Dana', email: 'Dana@Example.com', password: 'long-enough' };

  beforeEach(() => {
    developers = strictMock<DevelopersRepository>('developers', {
      findByEmail: jest.fn(),
      insert: jest.fn(),
      delete: jest.fn(),
    });
    rpc = strictMock<RpcClient>('rpc', { send: jest.fn() });
    jwt = strictMock<JwtVerifier>('jwt', { forget: jest.fn() });
    service = new PortalAccountService(developers, rpc, jwt, logger);
  });

  it('creates the sandbox developer, registers it with auth, and returns only the id', async () => {
    developers.findByEmail.mockResolvedValue(null);
    developers.insert.mockResolvedValue({});
    rpc.send.mockResolvedValue({ keyId: 'k', prefix: 'cf_sbx_ab', appKey: 'cf_sbx_secret' });
    const result = await service.signup(signup);
    expect(Object.keys(result)).toEqual(['developerId']);
    expect(developers.insert).toHaveBeenCalledWith({
      id: result.developerId,
      name: 'Dana',
      email: 'Dana@Example.com',
      kind: 'sandbox',
    });
    expect(rpc.send).toHaveBeenCalledWith(SUBJECTS.auth.developerRegister, {
      developerId: result.developerId,
      password: 'long-enough',
    });
  });

  it('refuses a taken email, also when the unique index catches a race', async () => {
    developers.findByEmail.mockResolvedValueOnce({ id: 'someone' });
    await expect(service.signup(signup)).rejects.toMatchObject({ code: ErrorCode.duplicateItem });
    developers.findByEmail.mockResolvedValueOnce(null);
    developers.insert.mockRejectedValueOnce(duplicate('developers_email_lower_key'));
    await expect(service.signup(signup)).rejects.toMatchObject({
      code: ErrorCode.duplicateItem,
      message: 'A developer with this email already exists',
    });
    expect(rpc.send).not.toHaveBeenCalled();
  });

  it('deletes the developer again when auth cannot register it, and rethrows', async () => {
    developers.findByEmail.mockResolvedValue(null);
    developers.insert.mockResolvedValue({});
    developers.delete.mockResolvedValue(undefined);
    const authDown = new CloudFlowError(
      ErrorCode.failed,
      'The auth service did not answer in time; please retry',
    );
    rpc.send.mockRejectedValue(authDown);
    await expect(service.signup(signup)).rejects.toBe(authDown);
    const [inserted] = developers.insert.mock.calls[0] as Parameters<DevelopersRepository['insert']>;
    const id = inserted.id;
    expect(developers.delete).toHaveBeenCalledWith(id);
  });

  it('passes the client address to auth, which counts sign-ups per address', async () => {
    developers.findByEmail.mockResolvedValue(null);
    developers.insert.mockResolvedValue({});
    rpc.send.mockResolvedValue({ keyId: 'k', prefix: 'cf_sbx_ab', appKey: 'cf_sbx_secret' });
    const result = await service.signup(signup, '203.0.113.9');
    expect(rpc.send).toHaveBeenCalledWith(SUBJECTS.auth.developerRegister, {
      developerId: result.developerId,
      password: 'long-enough',
      clientAddress: '203.0.113.9',
    });
  });

  it('gives one answer for an unknown email and a wrong password, and asks auth about both (same argon2 time, same counting)', async () => {
    developers.findByEmail.mockResolvedValueOnce(null);
    rpc.send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.unauthorized, 'Invalid email or password'));
    const unknown = await service
      .login({ email: 'x@example.com', password: 'pw' }, '198.51.100.1')
      .catch((e: unknown) => e);
    expect(rpc.send).toHaveBeenCalledWith(SUBJECTS.auth.developerLogin, {
      email: 'x@example.com',
      password: 'pw',
      clientAddress: '198.51.100.1',
    });
    developers.findByEmail.mockResolvedValueOnce({ id: 'dev-1' });
    rpc.send.mockRejectedValueOnce(new CloudFlowError(ErrorCode.unauthorized, 'Wrong password'));
    const wrong = await service.login({ email: 'x@example.com', password: 'pw' }).catch((e: unknown) => e);
    expect((unknown as CloudFlowError).toBody()).toEqual({
      errorCode: 'unauthorized',
      errorMessage: 'Invalid email or password',
    });
    expect((wrong as CloudFlowError).toBody()).toEqual((unknown as CloudFlowError).toBody());
  });

  it('returns the session token of a good login', async () => {
    developers.findByEmail.mockResolvedValue({ id: 'dev-1' });
    rpc.send.mockResolvedValue({ sessionToken: 'jwt', expiresIn: 3600 });
    await expect(service.login({ email: 'x@example.com', password: 'pw' })).resolves.toEqual({
      sessionToken: 'jwt',
    });
    expect(rpc.send).toHaveBeenCalledWith(SUBJECTS.auth.developerLogin, {
      developerId: 'dev-1',
      email: 'x@example.com',
      password: 'pw',
    });
  });

  it('passes a throttled login (429 with Retry-After) through unchanged', async () => {
    developers.findByEmail.mockResolvedValue({ id: 'dev-1' });
    const throttled = new CloudFlowError(
      ErrorCode.tooManyRequests,
      'Too many failed attempts, try again later',
      { retryAfterSeconds: 8 },
    );
    rpc.send.mockRejectedValue(throttled);
    await expect(service.login({ email: 'x@example.com', password: 'pw' })).rejects.toBe(throttled);
  });

  it('revokes the session at auth on log-out and forgets it locally', async () => {
    rpc.send.mockResolvedValue({ ok: true });
    await service.logout({ developerId: 'dev-1', jti: 'j-1', expiresAt: 123 });
    expect(rpc.send).toHaveBeenCalledWith(SUBJECTS.auth.sessionRevoke, {
      developerId: 'dev-1',
      jti: 'j-1',
      expiresAt: 123,
    });
    expect(jwt.forget).toHaveBeenCalledWith('j-1');
  });
});
