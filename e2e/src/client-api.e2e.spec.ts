import {
  TOKEN_AUDIENCES,
  type ConnectionCredentials,
  type DeviceView,
  type ErrorBody,
  type WebsocketClaims,
} from '@cloudflow/contracts';
import { basicBearer, http, openSocket, startSystem, waitFor, type System } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  deviceHeaders,
  expectStatus,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';
import type { DeviceAdminView, DeviceConnection } from './support/bodies';

/**
 * Issue 3's gateway part on real processes (CONTRACT.md §5 1.0 + /connected, §6): the Client
 * API's bearer layer, websocket credentials and the connection limit, device lookups scoped to
 * the account and the tenant, live connection state, Device API enrolment, and the API docs.
 */
describe('Client and Device API end to end', () => {
  let sys: System;
  let gw: string;
  let a: Tenant;
  let b: Tenant;
  let pos: Account;
  let other: Account;
  let posB: Account;
  let till1: Device;
  let till2: Device;
  let kiosk: Device;
  let otherTill: Device;
  let tillB: Device;
  const sn = () => `SN-${randomUUID().slice(0, 8)}`;
  const sockets: WebSocket[] = [];
  const get = <T = unknown>(path: string, headers?: Record<string, string>) =>
    http<T>('GET', `${gw}${path}`, { headers });
  const claims = (jwt: string) =>
    JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as WebsocketClaims & { aud: string };

  beforeAll(async () => {
    sys = await startSystem({ hubs: 1 });
    gw = sys.gatewayUrl;
    [a, b] = await Promise.all([createTenant(sys, 'Tenant A'), createTenant(sys, 'Tenant B')]);
    pos = await createAccount(sys, a, { accountId: 'pos-Main', name: 'Main street', connectionLimit: 1 });
    other = await createAccount(sys, a, { accountId: 'pos-other', name: 'Other till' });
    posB = await createAccount(sys, b, { accountId: 'pos-b', name: 'Tenant B POS' });
    till1 = await createDevice(sys, a, pos.accountId, {
      referenceId: 'till-1',
      serialNumber: sn(),
      model: 'M1',
      name: 'Till 1',
      location: 'Front',
    });
    till2 = await createDevice(sys, a, pos.accountId, {
      referenceId: 'till-2',
      serialNumber: sn(),
      model: 'M1',
      location: 'Back',
    });
    kiosk = await createDevice(sys, a, pos.accountId, {
      referenceId: 'kiosk-1',
      serialNumber: sn(),
      model: 'M2',
      location: 'Front',
    });
    otherTill = await createDevice(sys, a, other.accountId, {
      referenceId: 'till-other',
      serialNumber: sn(),
      model: 'M1',
      location: 'Front',
    });
    tillB = await createDevice(sys, b, posB.accountId, {
      referenceId: 'till-b',
      serialNumber: sn(),
      model: 'M1',
      location: 'Front',
    });
  }, 120_000);

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await sys?.stop();
  });

  describe('bearer layer', () => {
    const unauthorized = {
      errorCode: 'unauthorized',
      errorMessage: 'Missing or invalid Authorization bearer token',
    };

    it.each([
      ['no bearer', () => ({ 'api-key': a.appKey })],
      ['garbage base64', () => ({ 'api-key': a.appKey, authorization: 'Bearer %%%garbage%%%' })],
      [
        'base64 of bad JSON',
        () => ({
          'api-key': a.appKey,
          authorization: `Bearer ${Buffer.from('{"accountId":"pos-Main",').toString('base64')}`,
        }),
      ],
      ['wrong token', () => clientHeaders(a, { accountId: pos.accountId, apiToken: `${pos.apiToken}x` })],
      ['case-changed accountId', () => clientHeaders(a, { accountId: 'POS-MAIN', apiToken: pos.apiToken })],
      [
        'case-changed apiToken',
        () =>
          clientHeaders(a, {
            accountId: pos.accountId,
            apiToken:
              pos.apiToken.toUpperCase() === pos.apiToken
                ? pos.apiToken.toLowerCase()
                : pos.apiToken.toUpperCase(),
          }),
      ],
      [
        'a device credential',
        () => ({
          'api-key': a.appKey,
          authorization: basicBearer({
            model: till1.model,
            serialNumber: till1.serialNumber,
            apiToken: till1.apiToken,
          }),
        }),
      ],
    ])('refuses %s with 401', async (_name, headers) => {
      for (const path of ['/client/v1.0/devices', '/client/v1.1/token']) {
        const res = await get<ErrorBody>(path, headers());
        expect(res.status).toBe(401);
        expect(res.body).toEqual(unauthorized);
      }
    });

    it('still answers the APP-key layer first, with the seed text', async () => {
      const res = await get<ErrorBody>('/client/v1.0/devices', {
        authorization: clientHeaders(a, pos).authorization,
      });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: 'Authorization field missing',
        errorCode: 'unauthorized',
        errorMessage: 'Authorization field missing',
      });
    });
  });

  it('issues websocket credentials for the account on both versions', async () => {
    for (const version of ['1.0', '1.1']) {
      const res = await get<ConnectionCredentials>(`/client/v${version}/token`, clientHeaders(a, pos));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        connectionType: 'websocket',
        connectionUrl: sys.env.HUB_PUBLIC_URL,
        tokenType: 'jwt',
        accessToken: expect.any(String) as unknown,
      });
      expect(claims(res.body.accessToken)).toMatchObject({
        kind: 'client',
        tid: a.tenantId,
        acc: pos.accountId,
        aud: TOKEN_AUDIENCES.websocket,
      });
    }
  });

  it('lists the account’s devices with exact, case-sensitive filters', async () => {
    const ids = async (query: string) => {
      const res = await get<DeviceView[]>(`/client/v1.0/devices${query}`, clientHeaders(a, pos));
      expect(res.status).toBe(200);
      return res.body.map((d) => d.referenceId).sort();
    };
    expect(await ids('')).toEqual(['kiosk-1', 'till-1', 'till-2']);
    expect(await ids('?model=M1')).toEqual(['till-1', 'till-2']);
    expect(await ids('?location=Front')).toEqual(['kiosk-1', 'till-1']);
    expect(await ids('?model=M1&location=Front')).toEqual(['till-1']);
    expect(await ids(`?serialNumber=${kiosk.serialNumber}`)).toEqual(['kiosk-1']);
    expect(await ids('?model=m1')).toEqual([]);
    expect(await ids(`?serialNumber=${otherTill.serialNumber}`)).toEqual([]);

    const full = await get<DeviceView[]>(
      '/client/v1.1/devices?model=M1&location=Front',
      clientHeaders(a, pos),
    );
    expect(full.body).toEqual([
      {
        clientAccountId: pos.accountId,
        referenceId: 'till-1',
        serialNumber: till1.serialNumber,
        model: 'M1',
        name: 'Till 1',
        location: 'Front',
      },
    ]);

    const unknown = await get<ErrorBody>('/client/v1.0/devices?colour=red', clientHeaders(a, pos));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errorMessage).toContain('colour');
  });

  it('reads one device, and answers 404 for unknown, other-account and other-tenant devices', async () => {
    const one = await get<DeviceView>('/client/v1.1/devices/till-2', clientHeaders(a, pos));
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      clientAccountId: pos.accountId,
      referenceId: 'till-2',
      serialNumber: till2.serialNumber,
      model: 'M1',
      name: null,
      location: 'Back',
    });
    const cases: Array<[Record<string, string>, string]> = [
      [clientHeaders(a, pos), 'nope'],
      [clientHeaders(a, pos), 'TILL-1'],
      [clientHeaders(a, pos), otherTill.referenceId],
      [clientHeaders(a, pos), tillB.referenceId],
      [clientHeaders(b, posB), till1.referenceId],
    ];
    for (const [headers, ref] of cases) {
      for (const version of ['1.0', '1.1']) {
        const res = await get<ErrorBody>(`/client/v${version}/devices/${ref}`, headers);
        expect({ ref, status: res.status, code: res.body.errorCode }).toEqual({
          ref,
          status: 404,
          code: 'notFound',
        });
      }
    }
  });

  it('answers /connected under 1.1 only: a never-connected device is false with lastSeen null', async () => {
    const never = await get<DeviceConnection>(
      '/client/v1.1/devices/kiosk-1/connected',
      clientHeaders(a, pos),
    );
    expect(never.status).toBe(200);
    expect(never.body).toEqual({ connected: false, lastSeen: null });
    const v10 = await get<ErrorBody>('/client/v1.0/devices/kiosk-1/connected', clientHeaders(a, pos));
    expect(v10.status).toBe(404);
    expect(v10.body.errorCode).toBe('notFound');
    for (const [headers, ref] of [
      [clientHeaders(a, pos), 'nope'],
      [clientHeaders(a, pos), otherTill.referenceId],
      [clientHeaders(b, posB), 'kiosk-1'],
    ] as const) {
      expect((await get(`/client/v1.1/devices/${ref}/connected`, headers)).status).toBe(404);
    }
  });

  it('enrols a device on both Device API versions', async () => {
    for (const version of ['1.0', '1.1']) {
      const res = await get<ConnectionCredentials>(
        `/device/v${version}/devices/enrol`,
        deviceHeaders(a, till1),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        connectionType: 'websocket',
        connectionUrl: sys.env.HUB_PUBLIC_URL,
        tokenType: 'jwt',
        accessToken: expect.any(String) as unknown,
      });
      expect(claims(res.body.accessToken)).toMatchObject({
        kind: 'device',
        tid: a.tenantId,
        acc: pos.accountId,
        sub: 'till-1',
      });
    }
    const wrong = await get(
      '/device/v1.0/devices/enrol',
      deviceHeaders(a, { ...till1, apiToken: till2.apiToken }),
    );
    expect(wrong.status).toBe(401);
    const accountBearer = await get('/device/v1.0/devices/enrol', clientHeaders(a, pos));
    expect(accountBearer.status).toBe(401);
  });

  it('shows a device connected while its socket is open, and disconnected within 1 s of closing', async () => {
    const creds = expectStatus(
      'enrol',
      await get<ConnectionCredentials>('/device/v1.1/devices/enrol', deviceHeaders(a, kiosk)),
      200,
    );
    const ws = await openSocket(creds.connectionUrl, creds.accessToken);
    sockets.push(ws);
    const on = await waitFor(
      'connected',
      async () => {
        const res = await get<DeviceConnection>(
          '/client/v1.1/devices/kiosk-1/connected',
          clientHeaders(a, pos),
        );
        return res.body.connected === true ? res.body : undefined;
      },
      5000,
      50,
    );
    expect(on).toEqual({
      connected: true,
      connectedSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
    });

    // The account's limit is 1 and the device holds it: the POS cannot get a token now.
    const limited = await waitFor(
      'limit',
      async () => {
        const res = await get<ErrorBody>('/client/v1.0/token', clientHeaders(a, pos));
        return res.status === 429 ? res : undefined;
      },
      5000,
      50,
    );
    expect(limited.body).toEqual({
      errorCode: 'tooManyConnections',
      errorMessage: 'Connection limit of 1 reached for this account',
    });
    // …but the device itself may re-enrol: its new socket replaces the old one.
    expect((await get('/device/v1.0/devices/enrol', deviceHeaders(a, kiosk))).status).toBe(200);

    const closed = Date.now();
    ws.close();
    const off = await waitFor(
      'disconnected',
      async () => {
        const res = await get<DeviceConnection>(
          '/client/v1.1/devices/kiosk-1/connected',
          clientHeaders(a, pos),
        );
        return res.body.connected === false ? res.body : undefined;
      },
      5000,
      25,
    );
    expect(Date.now() - closed).toBeLessThan(1000);
    expect(off).toEqual({
      connected: false,
      lastSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as unknown,
    });
    await waitFor(
      'slot released',
      async () =>
        (await get('/client/v1.0/token', clientHeaders(a, pos))).status === 200 ? true : undefined,
      5000,
      50,
    );
  });

  it('refuses a disabled device with 403 forbidden', async () => {
    const patch = await http<DeviceAdminView>(
      'PATCH',
      `${sys.adminUrl}/admin/v1/accounts/${pos.accountId}/devices/till-2`,
      {
        body: { enabled: false },
        headers: a.adminHeaders,
      },
    );
    expectStatus('disable device', patch, 200);
    const res = await waitFor(
      'disabled',
      async () => {
        const r = await get<ErrorBody>('/device/v1.1/devices/enrol', deviceHeaders(a, till2));
        return r.status !== 200 ? r : undefined;
      },
      5000,
      50,
    );
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ errorCode: 'forbidden', errorMessage: 'Device is disabled' });
  });

  it('serves the API docs and their yaml without an APP key', async () => {
    for (const [group, version, route] of [
      ['client', '1.0', '/client/v1.0/devices/{referenceId}:'],
      ['client', '1.1', '/client/v1.1/devices/{referenceId}/connected:'],
      ['device', '1.0', '/device/v1.0/devices/enrol:'],
      ['device', '1.1', '/device/v1.1/devices/enrol:'],
    ]) {
      const page = await fetch(`${gw}/docs/${group}/${version}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger-ui');
      const yaml = await fetch(`${gw}/docs/${group}/${version}/openapi.yaml`);
      expect(yaml.status).toBe(200);
      expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
      const text = await yaml.text();
      expect(text).toContain(`  ${route}`);
      expect(text).toContain(`version: '${version}'`);
    }
    const v10 = await (await fetch(`${gw}/docs/client/1.0/openapi.yaml`)).text();
    expect(v10).not.toContain('/connected');
  });
});
