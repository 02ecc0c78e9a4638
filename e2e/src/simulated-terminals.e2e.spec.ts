import type { ErrorBody, RequestLog } from '@cloudflow/contracts';
import { CloudFlowApiError, CloudFlowRest, PosSocket } from '@cloudflow/pos';
import { http, REPO_ROOT, startSystem, waitFor, type System } from '@cloudflow/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {
  DeviceAdminView,
  DeviceConnection,
  NewDeviceView,
  OperatorDeveloperView,
} from './support/bodies';
import { createAccount, createTenant, expectStatus, type Account, type Tenant } from './support/tenant';

type Body = Record<string, unknown>;

/**
 * Issue 13, "simulated terminals in the sandbox", on real processes (two hubs): a device made
 * with `"simulated": true` is answered for by the platform. Everything a POS sees is counted at
 * the POS, which is written with the POS SDK (@cloudflow/pos): its answers, the record, the
 * websocket frames. The admin side is plain HTTP.
 */
describe('simulated terminals hosted by the hubs', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;

  const admin = <T = unknown>(method: string, path: string, body?: unknown) =>
    http<T>(method, `${sys.adminUrl}/admin/v1/accounts/${account.accountId}${path}`, {
      body,
      headers: tenant.adminHeaders,
    });
  const simulated = async (simulation: Body = {}) => {
    const referenceId = `sim-${randomUUID().slice(0, 8)}`;
    const res = await admin<NewDeviceView>('POST', '/devices', {
      referenceId,
      serialNumber: `SIM-${referenceId}`,
      model: 'SIMULATED',
      simulated: true,
      simulation: { delayMs: 20, events: 2, ...simulation },
    });
    return expectStatus('simulated device', res, 201);
  };
  let rest: CloudFlowRest;
  const connected = async (referenceId: string) => (await rest.connected(referenceId)).connected;
  const untilConnected = (referenceId: string, ms = 15_000) =>
    waitFor(`${referenceId} connected`, async () => ((await connected(referenceId)) ? true : undefined), ms);
  /** An async payment with `Prefer: wait=<waitSeconds>`: the record when final, else `dispatched`. */
  const pay = (target: string, baseAmount: number, waitSeconds = 20) =>
    rest.pay({ target, baseAmount, currency: 'EUR' }, { waitSeconds });
  const record = (requestId: string) => rest.request(requestId);
  const hosting = async () =>
    Promise.all(
      sys.hubs.map(async (hub) => {
        const res = await fetch(`${hub.url}/metrics`).catch(() => undefined);
        const text = res ? await res.text() : '';
        return Number(/^cloudflow_hub_simulated_devices\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
      }),
    );

  beforeAll(async () => {
    sys = await startSystem({
      hubs: 2,
      env: {
        SANDBOX_RATE_PER_SECOND: '10000',
        SANDBOX_USAGE_LIMIT_PER_DAY: '1000000',
        SIMULATED_SCAN_MS: '500',
        CANCEL_WAIT_MS: '1500',
      },
    });
    tenant = await createTenant(sys);
    account = await createAccount(sys, tenant, { accountId: 'pos-sim', connectionLimit: 50 });
    rest = new CloudFlowRest({
      baseUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
    });
  }, 180_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('a sandbox device made with simulated: true is connected with no process of ours and pays by the amount rule, async and sync', async () => {
    const device = await simulated();
    expect(device).toMatchObject({
      simulated: true,
      simulation: { delayMs: 20, events: 2, behaviour: 'approve' },
      apiToken: expect.any(String) as unknown,
    });
    await untilConnected(device.referenceId);
    expect((await hosting()).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);

    // Async with Prefer: wait: one call, the final answer in it.
    const approved = await pay(device.referenceId, 1250);
    expect(approved.record).toMatchObject({
      status: 'completed',
      result: { type: 'paymentResponse', payload: { outcome: 'FULFILLED' } },
    });
    expect(approved.record!.messages.filter((m) => m.type === 'flowEvent')).toHaveLength(2);
    const declined = await pay(device.referenceId, 1251);
    expect(declined.record).toMatchObject({
      status: 'completed',
      result: { payload: { outcome: 'FAILED', failureReason: 'INSUFFICIENT_FUNDS' } },
    });
    const partial = await pay(device.referenceId, 1099);
    expect(partial.record).toMatchObject({
      result: {
        payload: { outcome: 'PARTIALLY_FULFILLED', transactions: [{ amounts: { baseAmount: 549 } }] },
      },
    });

    // Sync over the websocket: the same terminal answers the POS's socket.
    const pos = new PosSocket(rest, { hubUrl: `ws://127.0.0.1:${sys.hubs[1].port}/ws`, reconnect: false });
    try {
      const sync = await pos.pay({ target: device.referenceId, baseAmount: 700, currency: 'EUR' });
      const events: string[] = [];
      for await (const event of sync.events) events.push(event.type);
      expect(events).toEqual(['flowEvent', 'flowEvent']);
      expect(await sync.result).toMatchObject({ type: 'paymentResponse', payload: { outcome: 'FULFILLED' } });
    } finally {
      await pos.close();
    }

    // In the admin request log like any other device's requests.
    const log = expectStatus(
      'request log',
      await http<RequestLog>('GET', `${sys.adminUrl}/admin/v1/requests?target=${device.referenceId}`, {
        headers: tenant.adminHeaders,
      }),
      200,
    );
    expect(log.requests.map((r) => r.status).sort()).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
  });

  it("the README's newcomer path: demo:setup, then sim:pos pays sim-1 with no simulator process", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cf-demo-'));
    const out = join(dir, 'demo.json');
    const cli = (name: string, ...args: string[]) =>
      promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist/libs/testing/src/cli', name), ...args], {
        cwd: REPO_ROOT,
        timeout: 60_000,
      });
    try {
      const setup = await cli(
        'demo-setup.js',
        '--gateway',
        sys.gatewayUrl,
        '--admin',
        sys.adminUrl,
        '--out',
        out,
      );
      expect(setup.stdout).toContain('simulated device sim-1 registered');
      const demo = JSON.parse(readFileSync(out, 'utf8')) as {
        appKey: string;
        account: { accountId: string; apiToken: string };
      };
      const bearer = Buffer.from(JSON.stringify(demo.account)).toString('base64');
      await waitFor('sim-1 connected', async () => {
        const res = await http<DeviceConnection>(
          'GET',
          `${sys.gatewayUrl}/client/v1.1/devices/sim-1/connected`,
          {
            headers: { 'api-key': demo.appKey, authorization: `Bearer ${bearer}` },
          },
        );
        return res.body?.connected === true ? true : undefined;
      });
      const paid = await cli('pos.js', '--config', out, '--target', 'sim-1', '--amount', '1250');
      expect(paid.stdout).toMatch(/result: paymentResponse FULFILLED after 2 event\(s\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('behaves as its settings say, changed with PATCH: decline, silent (cancel pending), drop, late', async () => {
    const device = await simulated();
    await untilConnected(device.referenceId);
    const patch = async (simulation: Body) =>
      expectStatus(
        'patch',
        await admin<DeviceAdminView>('PATCH', `/devices/${device.referenceId}`, { simulation }),
        200,
      );

    expect(await patch({ behaviour: 'decline' })).toMatchObject({
      simulation: { behaviour: 'decline', delayMs: 20, events: 2 },
    });
    const declined = await pay(device.referenceId, 1250);
    expect(declined.record).toMatchObject({
      status: 'completed',
      result: { payload: { outcome: 'FAILED', failureReason: 'DECLINED_BY_SIMULATION' } },
    });

    // Silent, on a terminal of its own: it keeps the payment and never answers, so it stays busy.
    const quiet = await simulated({ behaviour: 'silent' });
    await untilConnected(quiet.referenceId);
    const silent = await pay(quiet.referenceId, 1250, 1);
    expect(silent.status).toBe('dispatched');
    const requestId = silent.requestId;
    expect(await rest.cancel(requestId)).toMatchObject({ outcome: 'pending' });
    expect((await record(requestId)).status).toBe('dispatched');

    // A busy terminal (the silent one still holds that payment) is refused as a real one is.
    const busy = await pay(quiet.referenceId, 1250, 1).catch((err: unknown) => err);
    expect(busy).toBeInstanceOf(CloudFlowApiError);
    expect(busy).toMatchObject({ status: 412, errorCode: 'preconditionFailed' });

    // Drop: the socket goes after the first event; the POS hears connectionLost; it reconnects.
    await patch({ behaviour: 'drop', events: 1 });
    const dropped = await pay(device.referenceId, 1250, 15);
    await waitFor(
      'the dropped payment to end',
      async () => {
        const r = await record(dropped.requestId);
        return ['connectionLost', 'failed'].includes(r.status) ? r : undefined;
      },
      20_000,
    );
    await untilConnected(device.referenceId);

    // Late: drop after the first event, reconnect, then answer: the record ends completed.
    await patch({ behaviour: 'late' });
    const late = await pay(device.referenceId, 1250, 1);
    const lateId = late.requestId;
    const final = await waitFor(
      'the late answer on the record',
      async () => {
        const r = await record(lateId);
        return r.status === 'completed' ? r : undefined;
      },
      20_000,
    );
    expect(final.result).toMatchObject({ payload: { outcome: 'FULFILLED' } });
    expect(final.messages.map((m) => m.type)).toEqual(
      expect.arrayContaining(['flowEvent', 'paymentResponse']),
    );
  });

  it('a cancel before the final answer is confirmed by the simulated terminal', async () => {
    const device = await simulated({ delayMs: 800, events: 3 });
    await untilConnected(device.referenceId);
    const started = await pay(device.referenceId, 1250, 1);
    expect(started.status).toBe('dispatched');
    expect(await rest.cancel(started.requestId)).toMatchObject({
      outcome: 'cancelled',
      request: { status: 'cancelled' },
    });
  });

  it('refuses simulated devices in production (403) and simulation settings on a real device (422)', async () => {
    const real = await admin<ErrorBody>('POST', '/devices', {
      referenceId: 'real-1',
      serialNumber: 'REAL-0001',
      model: 'A920',
      simulation: { behaviour: 'decline' },
    });
    expect(real.status).toBe(422);
    expect(real.body).toMatchObject({ errorCode: 'invalidData' });
    const bad = await admin('POST', '/devices', {
      referenceId: 'sim-bad',
      serialNumber: 'SIM-BAD',
      model: 'SIMULATED',
      simulated: true,
      simulation: { behaviour: 'explode', delayMs: -1 },
    });
    expect(bad.status).toBe(422);

    const production = await createTenant(sys, 'Production Coffee');
    const developers = expectStatus(
      'developers',
      await http<OperatorDeveloperView[]>('GET', `${sys.adminUrl}/operator/v1/developers`, {
        headers: { authorization: `Bearer ${sys.operatorToken}` },
      }),
      200,
    );
    const developerId = developers.find((d) => d.email === production.developer.email)!.developerId;
    expectStatus(
      'upgrade',
      await http<OperatorDeveloperView>(
        'POST',
        `${sys.adminUrl}/operator/v1/developers/${developerId}/production`,
        {
          headers: { authorization: `Bearer ${sys.operatorToken}` },
        },
      ),
      200,
    );
    const prodAccount = await createAccount(sys, production, { accountId: 'pos-prod' });
    const refused = await http<ErrorBody>(
      'POST',
      `${sys.adminUrl}/admin/v1/accounts/${prodAccount.accountId}/devices`,
      {
        body: { referenceId: 'sim-1', serialNumber: 'SIM-PROD-1', model: 'SIMULATED', simulated: true },
        headers: production.adminHeaders,
      },
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      errorCode: 'forbidden',
      errorMessage: 'Simulated devices exist in sandbox tenants only',
    });
  });

  it('survives the death of the hub that hosts it: another hub takes it, and it pays again', async () => {
    const device = await simulated();
    await untilConnected(device.referenceId);
    const before = await hosting();
    // Kill (-9) a hub that hosts simulated devices; this test's device may be on either.
    const victim = before.findIndex((n) => n > 0);
    expect(victim).toBeGreaterThanOrEqual(0);
    await sys.hubs[victim].child.kill();
    const after = await waitFor(
      'the other hub to host every simulated device',
      async () => {
        const counts = await hosting();
        const total = counts.reduce((a, b) => a + b, 0);
        return total >= before.reduce((a, b) => a + b, 0) && (await connected(device.referenceId))
          ? counts
          : undefined;
      },
      40_000,
    );
    expect(after[victim]).toBe(0);
    const paid = await pay(device.referenceId, 1250);
    expect(paid.record).toMatchObject({ status: 'completed', result: { payload: { outcome: 'FULFILLED' } } });
    await sys.hubs[victim].restart();
  }, 120_000);
});
