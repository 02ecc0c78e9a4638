import type { INestApplication } from '@nestjs/common';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES, type ErrorBody } from '@cloudflow/contracts';
import { JwtVerifier } from '@cloudflow/platform';
import { http } from '@cloudflow/testing';
import { startControllerTestApp, strictMock } from '../testing/controller-test-app';
import { PortalAccountService } from './portal-account.service';
import { PortalBusinessService } from './portal-business.service';
import { PortalSessionGuard } from './portal-session.guard';
import { PortalAccountController, PortalSettingsController } from './portal.controller';

const DEVELOPER = '6f1c7a52-3f0e-4d8e-9a61-0c1f3f1b2a10';

describe('portal controllers: validation and the portal session', () => {
  let app: INestApplication;
  let url: string;
  const accounts = strictMock<PortalAccountService>('accounts', {
    signup: jest.fn(),
    login: jest.fn(),
    reveal: jest.fn(),
    logout: jest.fn(),
  });
  const business = strictMock<PortalBusinessService>('business', {
    settings: jest.fn(),
    createCompany: jest.fn(),
    createAdminUser: jest.fn(),
  });
  // Accepts exactly one token, and only for the portal audience.
  const jwt = {
    verify: jest.fn(async (token: string, audience: string) => {
      if (token === 'good-session' && audience === TOKEN_AUDIENCES.portal)
        return { sub: DEVELOPER, jti: SESSION_JTI, exp: 1_900_000_000 };
      throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token');
    }),
  };
  const session = { authorization: 'Bearer good-session' };
  const SESSION_JTI = '9b2f6c1e-58a4-4d0e-9a51-0d7d2f7c1a11';
  const adminUser = { username: 'boss', password: 'password-1', timeZone: 'Europe/Amsterdam' };

  beforeAll(async () => {
    ({ app, url } = await startControllerTestApp(
      [PortalAccountController, PortalSettingsController],
      [
        { provide: PortalAccountService, useValue: accounts },
        { provide: PortalBusinessService, useValue: business },
        { provide: JwtVerifier, useValue: jwt },
        PortalSessionGuard,
      ],
    ));
  });
  afterAll(async () => app?.close());
  beforeEach(() => jest.clearAllMocks());

  it('signs up with a valid body, answering 201 with what the service returns', async () => {
    accounts.signup.mockResolvedValue({ developerId: DEVELOPER });
    const res = await http<{ developerId: string }>('POST', `${url}/portal/v1/signup`, {
      body: { name: 'Dana', email: 'dana@example.com', password: 'long-enough' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ developerId: DEVELOPER });
    // The socket's address (no TRUST_PROXY here): auth counts sign-ups per address.
    expect(accounts.signup).toHaveBeenCalledWith(
      { name: 'Dana', email: 'dana@example.com', password: 'long-enough' },
      '127.0.0.1',
    );
  });

  it.each([
    [
      { name: 'Dana', email: 'dana@example.com', password: 'long-enough', kind: 'production' },
      'kind: unknown field',
    ],
    [{ name: 'Dana', email: 'dana@example.com', password: 'short' }, 'password'],
    [{ name: 'Dana', email: 'not-an-email', password: 'long-enough' }, 'email'],
    [{ email: 'dana@example.com', password: 'long-enough' }, 'name'],
  ])('refuses sign-up body %j with 422 naming %s', async (body, field) => {
    const res = await http<ErrorBody>('POST', `${url}/portal/v1/signup`, { body });
    expect(res.status).toBe(422);
    expect(res.body.errorCode).toBe('invalidData');
    expect(res.body.errorMessage).toContain(field);
    expect(accounts.signup).not.toHaveBeenCalled();
  });

  it('answers login with 200, and refuses non-JSON bodies with 422', async () => {
    accounts.login.mockResolvedValue({ sessionToken: 'jwt' });
    expect(
      (await http('POST', `${url}/portal/v1/login`, { body: { email: 'd@example.com', password: 'x' } }))
        .status,
    ).toBe(200);
    const form = await http('POST', `${url}/portal/v1/login`, {
      raw: 'email=a&password=b',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(422);
    const broken = await http('POST', `${url}/portal/v1/login`, { raw: '{"email":' });
    expect(broken.status).toBe(422);
  });

  it.each([
    ['no header', {}],
    ['another scheme', { authorization: 'Basic Z29vZC1zZXNzaW9u' }],
    ['a bad token', { authorization: 'Bearer forged' }],
  ])('refuses the session routes with %s (401)', async (_what, headers: Record<string, string>) => {
    for (const [method, path] of [
      ['GET', 'settings'],
      ['POST', 'company'],
      ['POST', 'admin-user'],
      ['POST', 'app-key/reveal'],
    ]) {
      const res = await http<ErrorBody>(method, `${url}/portal/v1/${path}`, {
        headers,
        body: method === 'POST' ? {} : undefined,
      });
      expect(res.status).toBe(401);
      expect(res.body.errorCode).toBe('unauthorized');
    }
    expect(business.settings).not.toHaveBeenCalled();
  });

  it('hands the session developer to the service', async () => {
    business.settings.mockResolvedValue({ developer: { developerId: DEVELOPER } });
    const res = await http('GET', `${url}/portal/v1/settings`, { headers: session });
    expect(res.status).toBe(200);
    expect(business.settings).toHaveBeenCalledWith(DEVELOPER);
    expect(jwt.verify).toHaveBeenCalledWith('good-session', TOKEN_AUDIENCES.portal);
  });

  it('refuses an admin user with a bad time zone or an unknown field, before the service', async () => {
    const zone = await http<ErrorBody>('POST', `${url}/portal/v1/admin-user`, {
      headers: session,
      body: { ...adminUser, timeZone: 'Atlantis/Capital' },
    });
    expect(zone.status).toBe(422);
    expect(zone.body.errorMessage).toContain('timeZone');
    const role = await http<ErrorBody>('POST', `${url}/portal/v1/admin-user`, {
      headers: session,
      body: { ...adminUser, role: 'owner' },
    });
    expect(role.status).toBe(422);
    expect(role.body.errorMessage).toContain('role: unknown field');
    expect(business.createAdminUser).not.toHaveBeenCalled();
  });

  it('creates an admin user with a valid body (201)', async () => {
    business.createAdminUser.mockResolvedValue({ userId: 'u' });
    const res = await http('POST', `${url}/portal/v1/admin-user`, {
      headers: session,
      body: { ...adminUser, timeZone: 'UTC', pin: '1234' },
    });
    expect(res.status).toBe(201);
    expect(business.createAdminUser).toHaveBeenCalledWith(DEVELOPER, {
      ...adminUser,
      timeZone: 'UTC',
      pin: '1234',
    });
  });

  it('does not take the client address from X-Forwarded-For unless TRUST_PROXY says so', async () => {
    accounts.login.mockResolvedValue({ sessionToken: 'jwt' });
    await http('POST', `${url}/portal/v1/login`, {
      body: { email: 'a@example.com', password: 'pw' },
      headers: { 'x-forwarded-for': '203.0.113.50' },
    });
    expect(accounts.login).toHaveBeenCalledWith({ email: 'a@example.com', password: 'pw' }, '127.0.0.1');
  });

  it('logs out with 204, handing exactly this session (jti, exp) to the service; no session is 401', async () => {
    accounts.logout.mockResolvedValue(undefined);
    const res = await http('POST', `${url}/portal/v1/logout`, { headers: session });
    expect(res.status).toBe(204);
    expect(accounts.logout).toHaveBeenCalledWith({
      developerId: DEVELOPER,
      jti: SESSION_JTI,
      expiresAt: 1_900_000_000,
    });
    expect((await http('POST', `${url}/portal/v1/logout`)).status).toBe(401);
  });

  it('reveals with 200 and no-store caching', async () => {
    accounts.reveal.mockResolvedValue({ appKey: 'cf_sbx_x', keyId: 'k', prefix: 'p' });
    const res = await http('POST', `${url}/portal/v1/app-key/reveal`, {
      headers: session,
      body: { password: 'pw' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(accounts.reveal).toHaveBeenCalledWith(DEVELOPER, 'pw', '127.0.0.1');
  });
});
