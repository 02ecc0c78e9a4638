import type { ErrorBody, UsageRow } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  http,
  PosClient,
  startSystem,
  WebhookReceiver,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
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
import type { OperatorKeyView } from './support/bodies';

/** GET /operator/v1/usage and /admin/v1/usage (JSON): the ledger rows with their owner, and totals. */
interface UsageReport {
  from: string;
  to: string;
  rows: Row[];
  totals: { requests: number; paymentsSync: number; paymentsAsync: number; byKey: Array<{ keyId: string }> };
}
type Row = UsageRow & { tenantId: string | null; email: string | null };
type Counts = Record<'client' | 'device' | 'admin' | 'paymentsSync' | 'paymentsAsync', number>;

/**
 * Usage for billing (issue 16) on the real system with two gateways: every request a POS, a
 * terminal and an admin makes is in auth's ledger exactly once, the operator's CSV says what its
 * JSON says, and a tenant sees its own keys' usage.
 */
describe('usage ledger end to end', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let device: Device;
  let keyId: string;
  let receiver: WebhookReceiver;
  const sims: DeviceSimulator[] = [];
  const poses: PosClient[] = [];
  const today = () => new Date().toISOString().slice(0, 10);
  const operator = () => ({ authorization: `Bearer ${sys.operatorToken}` });

  const usage = async (): Promise<UsageReport> =>
    expectStatus(
      'operator usage',
      await http<UsageReport>(
        'GET',
        `${sys.adminUrl}/operator/v1/usage?keyId=${keyId}&from=${today()}&to=${today()}`,
        {
          headers: operator(),
        },
      ),
      200,
    );
  const counts = (rows: Row[]): Counts => {
    const c: Counts = { client: 0, device: 0, admin: 0, paymentsSync: 0, paymentsAsync: 0 };
    for (const r of rows) {
      c[r.group] += r.requests;
      c.paymentsSync += r.paymentsSync;
      c.paymentsAsync += r.paymentsAsync;
    }
    return c;
  };

  beforeAll(async () => {
    sys = await startSystem({
      gateways: 2,
      hubs: 2,
      env: { SANDBOX_RATE_PER_SECOND: '10000', SANDBOX_USAGE_LIMIT_PER_DAY: '1000000' },
    });
    tenant = await createTenant(sys);
    receiver = await WebhookReceiver.start();
    account = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      connectionLimit: 20,
      webhookUrl: receiver.url,
    });
    const suffix = randomUUID().slice(0, 8);
    device = await createDevice(sys, tenant, account.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
    const keys = expectStatus(
      'operator keys',
      await http<OperatorKeyView[]>(
        'GET',
        `${sys.adminUrl}/operator/v1/keys?email=${encodeURIComponent(tenant.developer.email)}`,
        { headers: operator() },
      ),
      200,
    );
    keyId = keys[0].keyId;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...sims.map((s) => s.stop()), ...poses.map((p) => p.close())]).catch(() => undefined);
    await receiver?.stop();
    await sys?.stop();
  });

  it('counts N requests across groups and both gateways exactly once, with sync and async payments', async () => {
    // Set-up traffic (sign-up, OAuth, accounts) must have reached the ledger before the baseline is read.
    await new Promise((r) => setTimeout(r, 1000));
    const before = counts((await usage()).rows);
    const gateways = sys.gateways.map((g) => g.url);
    const [hubA, hubB] = sys.hubs.map((h) => `ws://127.0.0.1:${h.port}/ws`);

    for (let i = 0; i < 7; i++) {
      const res = await http('GET', `${gateways[i % 2]}/client/v1.0/devices`, {
        headers: clientHeaders(tenant, account),
      });
      expect(res.status).toBe(200);
    }
    for (let i = 0; i < 5; i++)
      expect(
        (await http('GET', `${gateways[i % 2]}/dummyapi/status`, { headers: { 'api-key': tenant.appKey } }))
          .status,
      ).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await http('GET', `${gateways[i % 2]}/device/v1.1/devices/enrol`, {
            headers: deviceHeaders(tenant, device),
          })
        ).status,
      ).toBe(200);
    }
    for (let i = 0; i < 4; i++)
      expect(
        (await http('GET', `${sys.adminUrl}/admin/v1/tenant`, { headers: tenant.adminHeaders })).status,
      ).toBe(200);
    // A refused request (unknown device) is still a request the key made.
    expect(
      (
        await http('GET', `${gateways[1]}/client/v1.0/devices/nope-${randomUUID().slice(0, 4)}`, {
          headers: clientHeaders(tenant, account),
        })
      ).status,
    ).toBe(404);

    // The simulator enrols once (device), the POS asks for a token once (client) on gateway 2.
    const sim = new DeviceSimulator(
      {
        gatewayUrl: gateways[0],
        appKey: tenant.appKey,
        model: device.model,
        serialNumber: device.serialNumber,
        apiToken: device.apiToken,
        hubUrl: hubB,
      },
      { delayMs: 5, reconnect: false },
    );
    sims.push(sim);
    await sim.connect();
    const pos = new PosClient({
      gatewayUrl: gateways[1],
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
      hubUrl: hubA,
    });
    poses.push(pos);
    await pos.connect();
    for (let i = 0; i < 3; i++)
      expect((await pos.pay(device.referenceId, 100 + i, 'EUR')).final.payload).toMatchObject({
        outcome: 'FULFILLED',
      });
    // Two async payments, the second sent twice with the same requestId: billed once (200 on the repeat).
    const body = (requestId: string) => ({
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId,
      target: device.referenceId,
      payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 500, currency: 'EUR' } },
    });
    expect(
      (
        await http('POST', `${gateways[0]}/client/v1.1/requests`, {
          body: body(randomUUID()),
          headers: clientHeaders(tenant, account),
        })
      ).status,
    ).toBe(202);
    const again = body(randomUUID());
    expect(
      (
        await http('POST', `${gateways[1]}/client/v1.1/requests`, {
          body: again,
          headers: clientHeaders(tenant, account),
        })
      ).status,
    ).toBe(202);
    for (
      let waited = 0;
      sim.received.frames.filter((f) => f.type === 'payment').length < 5 && waited < 10_000;
      waited += 100
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect([200, 202]).toContain(
      (
        await http('POST', `${gateways[0]}/client/v1.1/requests`, {
          body: again,
          headers: clientHeaders(tenant, account),
        })
      ).status,
    );

    const expected: Counts = {
      client: before.client + 7 + 5 + 1 + 1 + 3,
      device: before.device + 3 + 1,
      admin: before.admin + 4,
      paymentsSync: before.paymentsSync + 3,
      paymentsAsync: before.paymentsAsync + 2,
    };
    let seen = before;
    for (let waited = 0; waited < 10_000; waited += 200) {
      seen = counts((await usage()).rows);
      if (JSON.stringify(seen) === JSON.stringify(expected)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toEqual(expected);
    // Reports keep flowing (the usage reads above are operator calls, not APP-key ones): nothing more is added.
    await new Promise((r) => setTimeout(r, 1500));
    expect(counts((await usage()).rows)).toEqual(expected);
  }, 90_000);

  it("the operator's CSV carries the JSON's rows; a tenant reads its own keys' usage; bad ranges are 422", async () => {
    const json = await usage();
    const csv = await fetch(
      `${sys.adminUrl}/operator/v1/usage?keyId=${keyId}&from=${today()}&to=${today()}`,
      { headers: { ...operator(), accept: 'text/csv' } },
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="cloudflow-usage-${today()}-${today()}.csv"`,
    );
    const [header, ...lines] = (await csv.text()).trimEnd().split('\r\n');
    const columns = header.split(',');
    expect(columns).toEqual([
      'period',
      'tenantId',
      'developerId',
      'email',
      'keyId',
      'keyName',
      'keyKind',
      'group',
      'requests',
      'paymentsSync',
      'paymentsAsync',
    ]);
    const parsed = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
    expect(parsed).toEqual(
      json.rows.map((r) =>
        Object.fromEntries(
          columns.map((c) => [c, String((r as unknown as Record<string, string | number | null>)[c] ?? '')]),
        ),
      ),
    );
    expect(parsed.every((r) => r.tenantId === tenant.tenantId && r.email === tenant.developer.email)).toBe(
      true,
    );

    const mine = expectStatus(
      'admin usage',
      await http<UsageReport>('GET', `${sys.adminUrl}/admin/v1/usage?from=${today()}&to=${today()}`, {
        headers: tenant.adminHeaders,
      }),
      200,
    );
    expect(counts(mine.rows).paymentsSync).toBe(counts(json.rows).paymentsSync);
    expect(mine.totals.byKey.map((k) => k.keyId)).toEqual([keyId]);
    const byMonth = expectStatus(
      'by month',
      await http<UsageReport>('GET', `${sys.adminUrl}/admin/v1/usage?groupBy=month`, {
        headers: tenant.adminHeaders,
      }),
      200,
    );
    expect(byMonth.rows.every((r) => /^\d{4}-\d{2}$/.test(r.period))).toBe(true);

    const other = await createTenant(sys, 'Other Coffee');
    const theirs = expectStatus(
      'other tenant usage',
      await http<UsageReport>('GET', `${sys.adminUrl}/admin/v1/usage`, { headers: other.adminHeaders }),
      200,
    );
    expect(theirs.rows.some((r) => r.keyId === keyId)).toBe(false);

    for (const q of [
      'from=2026-13-01',
      'from=2026-02-30',
      `from=${today()}&to=2020-01-01`,
      'from=2020-01-01&to=2026-01-01',
      'groupBy=week',
    ]) {
      const res = await http<ErrorBody>('GET', `${sys.adminUrl}/operator/v1/usage?${q}`, {
        headers: operator(),
      });
      expect({ q, status: res.status, code: res.body.errorCode }).toEqual({
        q,
        status: 422,
        code: 'invalidData',
      });
    }
    expect((await http('GET', `${sys.adminUrl}/operator/v1/usage`)).status).toBe(401);
  }, 60_000);
});
