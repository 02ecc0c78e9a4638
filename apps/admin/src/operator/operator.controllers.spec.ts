import type { INestApplication } from '@nestjs/common';
import type { ErrorBody } from '@cloudflow/contracts';
import { http } from '@cloudflow/testing';
import { AdminConfig } from '../admin.config';
import { startControllerTestApp, strictMock } from '../testing/controller-test-app';
import { BlockedEndpointsService } from './blocked-endpoints.service';
import { OperatorDevelopersService } from './operator-developers.service';
import { OperatorKeysService } from './operator-keys.service';
import { OperatorTokenGuard, operatorTokenMatches } from './operator-token.guard';
import {
  BlockedEndpointsController,
  OperatorDevelopersController,
  OperatorKeysController,
} from './operator.controllers';
import type { OperatorDeveloperView } from './operator.views';

const TOKEN = 'operator-token-0123456789abcdef';
const KEY = '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60';

function operatorApp(token: string | undefined) {
  const config = new AdminConfig();
  config.CLOUDFLOW_OPERATOR_TOKEN = token;
  const keys = strictMock<OperatorKeysService>('keys', {
    list: jest.fn(),
    revoke: jest.fn(),
    update: jest.fn(),
    renew: jest.fn(),
  });
  const developers = strictMock<OperatorDevelopersService>('developers', { list: jest.fn() });
  const blocked = strictMock<BlockedEndpointsService>('blocked', {
    list: jest.fn(),
    create: jest.fn(),
    delete: jest.fn(),
  });
  const started = startControllerTestApp(
    [OperatorKeysController, OperatorDevelopersController, BlockedEndpointsController],
    [
      { provide: AdminConfig, useValue: config },
      { provide: OperatorKeysService, useValue: keys },
      { provide: OperatorDevelopersService, useValue: developers },
      { provide: BlockedEndpointsService, useValue: blocked },
      OperatorTokenGuard,
    ],
  );
  return { started, keys, developers, blocked };
}

describe('operator token comparison', () => {
  it('matches only the exact configured token', () => {
    expect(operatorTokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(operatorTokenMatches(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(operatorTokenMatches(TOKEN, TOKEN.toUpperCase())).toBe(false);
    expect(operatorTokenMatches(TOKEN, undefined)).toBe(false);
    expect(operatorTokenMatches(undefined, TOKEN)).toBe(false);
    expect(operatorTokenMatches(undefined, undefined)).toBe(false);
    expect(operatorTokenMatches('', '')).toBe(false);
  });
});

describe('operator API without a configured token', () => {
  const ctx = operatorApp(undefined);
  let app: INestApplication;
  let url: string;
  beforeAll(async () => ({ app, url } = await ctx.started));
  afterAll(async () => app?.close());

  it.each(['/operator/v1/developers', '/operator/v1/keys', '/operator/v1/blocked-endpoints'])(
    'answers 401 for %s whatever is presented',
    async (path) => {
      for (const headers of <Record<string, string>[]>[
        {},
        { authorization: 'Bearer ' },
        { authorization: `Bearer ${TOKEN}` },
        { authorization: 'Bearer undefined' },
      ]) {
        const res = await http<ErrorBody>('GET', `${url}${path}`, { headers });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({
          errorCode: 'unauthorized',
          errorMessage: 'Missing or invalid operator token',
        });
      }
      expect(ctx.developers.list).not.toHaveBeenCalled();
    },
  );
});

describe('operator API with a configured token', () => {
  const ctx = operatorApp(TOKEN);
  let app: INestApplication;
  let url: string;
  const auth = { authorization: `Bearer ${TOKEN}` };
  beforeAll(async () => ({ app, url } = await ctx.started));
  afterAll(async () => app?.close());
  beforeEach(() => jest.clearAllMocks());

  it('needs the bearer token, not an APP key or another scheme', async () => {
    for (const headers of <Record<string, string>[]>[
      {},
      { 'api-key': TOKEN },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
      { authorization: `Bearer ${TOKEN.slice(1)}` },
    ]) {
      expect((await http('GET', `${url}/operator/v1/developers`, { headers })).status).toBe(401);
    }
    ctx.developers.list.mockResolvedValue([]);
    const ok = await http<OperatorDeveloperView[]>('GET', `${url}/operator/v1/developers`, { headers: auth });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual([]);
  });

  it('checks the token before looking at the body', async () => {
    const res = await http('PATCH', `${url}/operator/v1/keys/${KEY}`, {
      headers: { authorization: 'Bearer wrong' },
      body: { nonsense: true },
    });
    expect(res.status).toBe(401);
  });

  it('validates path, query and body with 422 naming the field', async () => {
    const badId = await http<ErrorBody>('POST', `${url}/operator/v1/keys/not-a-uuid/revoke`, {
      headers: auth,
    });
    expect(badId.status).toBe(422);
    expect(badId.body.errorMessage).toContain('keyId');
    const badQuery = await http<ErrorBody>('GET', `${url}/operator/v1/keys?mail=x`, { headers: auth });
    expect(badQuery.status).toBe(422);
    expect(badQuery.body.errorMessage).toContain('mail: unknown field');
    const badPatch = await http<ErrorBody>('PATCH', `${url}/operator/v1/keys/${KEY}`, {
      headers: auth,
      body: { usageLimitPerDay: -1, kind: 'production' },
    });
    expect(badPatch.status).toBe(422);
    expect(badPatch.body.errorMessage).toContain('usageLimitPerDay');
    expect(badPatch.body.errorMessage).toContain('kind: unknown field');
    const badBlock = await http<ErrorBody>('POST', `${url}/operator/v1/blocked-endpoints`, {
      headers: auth,
      body: { method: 'TRACE', pathPrefix: 'client' },
    });
    expect(badBlock.status).toBe(422);
    expect(badBlock.body.errorMessage).toMatch(/method.*pathPrefix|pathPrefix.*method/);
    expect(ctx.keys.revoke).not.toHaveBeenCalled();
    expect(ctx.keys.update).not.toHaveBeenCalled();
    expect(ctx.blocked.create).not.toHaveBeenCalled();
  });

  it('passes valid calls through with the right statuses', async () => {
    ctx.keys.list.mockResolvedValue([]);
    await http('GET', `${url}/operator/v1/keys?email=dana%40example.com`, { headers: auth });
    expect(ctx.keys.list).toHaveBeenCalledWith('dana@example.com');
    ctx.keys.revoke.mockResolvedValue({ keyId: KEY, status: 'revoked' });
    expect((await http('POST', `${url}/operator/v1/keys/${KEY}/revoke`, { headers: auth })).status).toBe(200);
    ctx.keys.update.mockResolvedValue({ keyId: KEY });
    expect(
      (
        await http('PATCH', `${url}/operator/v1/keys/${KEY}`, {
          headers: auth,
          body: { expiresAt: null, groups: ['client'] },
        })
      ).status,
    ).toBe(200);
    expect(ctx.keys.update).toHaveBeenCalledWith(KEY, { expiresAt: null, groups: ['client'] });
    ctx.blocked.create.mockResolvedValue({ id: KEY, method: 'GET', pathPrefix: '/client/v1.0' });
    expect(
      (
        await http('POST', `${url}/operator/v1/blocked-endpoints`, {
          headers: auth,
          body: { method: 'GET', pathPrefix: '/client/v1.0' },
        })
      ).status,
    ).toBe(201);
    ctx.blocked.delete.mockResolvedValue(undefined);
    expect(
      (await http('DELETE', `${url}/operator/v1/blocked-endpoints/${KEY}`, { headers: auth })).status,
    ).toBe(200);
  });
});
