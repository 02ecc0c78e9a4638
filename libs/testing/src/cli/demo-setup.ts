/**
 * Creates everything a first simulated payment needs, through the public APIs only: a developer
 * (portal), the APP key, a company, its admin user, an OAuth token, a POS account and a device.
 * Writes it all to .data/demo.json for the device and POS CLIs.
 *   npm run demo:setup [-- --gateway http://localhost:8080 --admin http://localhost:8081]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { IssuedAppKey, PortalSession, TokenPair } from '@cloudflow/contracts';
import { http } from '../http-client';
import { DEFAULT_DEMO_FILE, fail, type DemoConfig } from './cli-support';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      gateway: { type: 'string', default: 'http://localhost:8080' },
      admin: { type: 'string', default: 'http://localhost:8081' },
      out: { type: 'string', default: DEFAULT_DEMO_FILE },
    },
  });
  const gw = values.gateway;
  const adm = values.admin;
  const suffix = Date.now().toString(36);
  const developer = { email: `demo-${suffix}@example.com`, password: `demo-pass-${suffix}` };
  const step = async <T>(
    what: string,
    call: Promise<{ status: number; body: T }>,
    ok = [200, 201],
  ): Promise<T> => {
    const res = await call;
    if (!ok.includes(res.status))
      throw new Error(`${what} failed: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    console.log(`✓ ${what}`);
    return res.body;
  };

  await step(
    'developer signed up',
    http('POST', `${adm}/portal/v1/signup`, { body: { name: 'Demo Developer', ...developer } }),
  );
  const { sessionToken } = await step(
    'logged in to the portal',
    http<Pick<PortalSession, 'sessionToken'>>('POST', `${adm}/portal/v1/login`, { body: developer }),
  );
  const portal = { authorization: `Bearer ${sessionToken}` };
  const { appKey } = await step(
    'APP key revealed',
    http<IssuedAppKey>('POST', `${adm}/portal/v1/app-key/reveal`, {
      body: { password: developer.password },
      headers: portal,
    }),
  );
  await step(
    'company created',
    http('POST', `${adm}/portal/v1/company`, { body: { name: 'Demo Coffee' }, headers: portal }),
  );
  const adminUser = { username: 'demo-admin', password: `admin-pass-${suffix}` };
  await step(
    'admin user created',
    http('POST', `${adm}/portal/v1/admin-user`, { body: { ...adminUser, timeZone: 'UTC' }, headers: portal }),
  );
  const form = new URLSearchParams({ grant_type: 'password', ...adminUser }).toString();
  const token = await step(
    'OAuth token issued',
    http<TokenPair>('POST', `${gw}/auth/oauth/token`, {
      raw: form,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'api-key': appKey },
    }),
  );
  const adminHeaders = { 'api-key': appKey, authorization: `Bearer ${token.access_token}` };
  const account = await step(
    'POS account pos-1 created',
    http<DemoConfig['account']>('POST', `${adm}/admin/v1/accounts`, {
      body: { accountId: 'pos-1', name: 'Front counter' },
      headers: adminHeaders,
    }),
  );
  const device = await step(
    'device till-1 registered',
    http<DemoConfig['device']>('POST', `${adm}/admin/v1/accounts/pos-1/devices`, {
      body: {
        referenceId: 'till-1',
        serialNumber: `SN-${suffix}`,
        model: 'SIM-1',
        name: 'Till 1',
        location: 'front',
      },
      headers: adminHeaders,
    }),
  );
  // A terminal the hubs answer for (sandbox): `sim:pos -- --target sim-1` pays with no simulator running.
  await step(
    'simulated device sim-1 registered (hosted by the hubs)',
    http('POST', `${adm}/admin/v1/accounts/pos-1/devices`, {
      body: {
        referenceId: 'sim-1',
        serialNumber: `SIM-${suffix}`,
        model: 'SIMULATED',
        name: 'Simulated till',
        simulated: true,
      },
      headers: adminHeaders,
    }),
  );

  const config: DemoConfig = {
    gatewayUrl: gw,
    adminUrl: adm,
    appKey,
    developer,
    admin: { ...adminUser, accessToken: token.access_token },
    account: { accountId: account.accountId, apiToken: account.apiToken },
    device: {
      referenceId: device.referenceId,
      model: device.model,
      serialNumber: device.serialNumber,
      apiToken: device.apiToken,
    },
  };
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, JSON.stringify(config, null, 2), { mode: 0o600 });
  console.log(
    `\nSaved to ${values.out} (secrets: keep it private). Next, in two terminals:\n  npm run sim:device\n  npm run sim:pos -- --amount 1250\nOr, with no simulator process (the hubs answer for sim-1):\n  npm run sim:pos -- --target sim-1 --amount 1250`,
  );
}

main().catch(fail);
