import type { RequestView } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  findPans,
  http,
  scanDirectory,
  startSystem,
  TEST_CARDS,
  waitFor,
  WebhookReceiver,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
const SENSITIVE_NAMES = /"(cvv|cvc2|pinBlock|track2|track1|tag57)"\s*:/i;

/**
 * Issue 12 items 5 and 6 as attacks on real processes: card data in the encodings the old masking
 * missed (track 2 equivalent, TLV hex, a glued label) and sensitive authentication data (CVV,
 * PIN block, track data) must not be kept anywhere (Postgres, the request-event stream, logs),
 * and a service's database login must not reach another service's schema.
 */
describe('card data and database roles', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let device: Device;
  let receiver: WebhookReceiver;
  let sim: DeviceSimulator;
  let owner: Client;
  const connect = async (url: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    sys = await startSystem({ hubs: 1 });
    tenant = await createTenant(sys, 'Card Data Coffee');
    receiver = await WebhookReceiver.start();
    account = await createAccount(sys, tenant, {
      accountId: 'cards-pos',
      connectionLimit: 10,
      webhookUrl: receiver.url,
    });
    receiver.secret = account.webhookSecret;
    device = await createDevice(sys, tenant, account.accountId, {
      referenceId: 'cards-till',
      serialNumber: 'SN-CARDS',
      model: 'SIM-1',
    });
    // A careless terminal app: clear PAN and track 2 in every event and final answer.
    sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: device.model,
        serialNumber: device.serialNumber,
        apiToken: device.apiToken,
        hubUrl: `ws://127.0.0.1:${sys.hubs[0].port}/ws`,
      },
      { delayMs: 10, events: 1, cardData: TEST_CARDS[1] },
    );
    await sim.connect();
    owner = await connect(sys.databaseUrl);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
    await owner?.end();
    await receiver?.stop();
    await sys?.stop();
  }, 60_000);

  it('keeps no clear PAN and no CVV, PIN block or track data of a request or its answers, in Postgres, the event stream or the logs; the device still gets the payload as sent', async () => {
    const requestId = randomUUID();
    const payload = {
      id: randomUUID(),
      flowType: 'sale',
      amounts: { baseAmount: 1250, currency: 'EUR' },
      card: { pan: '4111111111111111', cvv: '123', pinBlock: '0412AC89FFFFFFFF', expiry: '12/25' },
      track2: ';4111111111111111=25121010000000000?',
      emv: '9F02060000000012505A0841111111111111115F24032512319F1A020826',
      track2Equivalent: '5713' + '5555555555554444D26011010000045600000F',
      note: 'pan4111111111111111 and 4111111111111111D2512201',
    };
    const sent = await http('POST', `${sys.gatewayUrl}/client/v1.1/requests`, {
      body: {
        type: 'payment',
        format: 'appflow',
        version: '2.1.2',
        requestId,
        target: device.referenceId,
        payload,
      },
      headers: clientHeaders(tenant, account),
    });
    expect(sent.status).toBe(202);
    const done = await waitFor(
      'the request to complete',
      async () => {
        const res = await http<RequestView>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${requestId}`, {
          headers: clientHeaders(tenant, account),
        });
        return res.status === 200 && res.body.status === 'completed' ? res.body : undefined;
      },
      20_000,
    );
    await receiver.waitForAccepted(1, requestId, 20_000);

    // Relayed as is: masking is for what is kept, never for what the terminal needs.
    const delivered = sim.received.frames.find((f) => f.requestId === requestId);
    expect(delivered?.payload).toEqual(payload);

    // What the API hands back is what is stored: masked, the sensitive fields gone.
    const stored = JSON.stringify(done);
    expect(findPans(stored)).toEqual([]);
    expect(stored).not.toMatch(SENSITIVE_NAMES);
    expect(stored).toContain('"pan":"************1111"');
    expect(stored).toContain('5A08************1111');
    expect(stored).toContain('"expiry":"12/25"');

    // Postgres itself, every row of the gateway's tables for this request.
    const rows = await owner.query<{ row: string }>(
      `SELECT row_to_json(r)::text AS row FROM gateway.requests r WHERE r.request_id = $1
       UNION ALL SELECT row_to_json(m)::text FROM gateway.request_messages m JOIN gateway.requests r ON r.id = m.request_pk WHERE r.request_id = $1`,
      [requestId],
    );
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const { row } of rows.rows) {
      expect(findPans(row)).toEqual([]);
      expect(row).not.toMatch(/\\?"(cvv|pinBlock|track2)\\?"\s*:/);
    }

    // The request-event stream on disk (JetStream files) and every service's log.
    const stream = scanDirectory(sys.nats.dir);
    const logs = scanDirectory(sys.logDir);
    expect(stream.filesScanned + logs.filesScanned).toBeGreaterThan(0);
    expect([...stream.hits, ...logs.hits]).toEqual([]);
    // The device's answers crossed the event stream (their masked PAN is there), their track 2 did not.
    const storeText = filesUnder(sys.nats.dir)
      .map((f) => readFileSync(f).toString('latin1'))
      .join('\n');
    expect(storeText).toContain('************4444');
    expect(storeText).not.toMatch(/"track2"\s*:/);
  }, 60_000);

  it('logs in each service as its own role, owner of its own schema and of nothing else', async () => {
    const sessions = await owner.query<{ usename: string }>(
      'SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND usename <> current_user',
    );
    expect(sessions.rows.map((r) => r.usename).sort()).toEqual([
      'cloudflow_admin',
      'cloudflow_auth',
      'cloudflow_gateway',
    ]);
    const owners = await owner.query<{ schema: string; owner: string }>(
      `SELECT n.nspname AS schema, r.rolname AS owner FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname IN ('auth', 'admin', 'gateway')
       UNION SELECT t.schemaname, t.tableowner FROM pg_tables t WHERE t.schemaname IN ('auth', 'admin', 'gateway')`,
    );
    for (const { schema, owner: role } of owners.rows)
      expect([schema, role]).toEqual([schema, `cloudflow_${schema}`]);
    const flags = await owner.query<{
      rolname: string;
      rolsuper: boolean;
      rolcreaterole: boolean;
      rolcreatedb: boolean;
    }>(
      "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname LIKE 'cloudflow\\_%'",
    );
    for (const r of flags.rows)
      expect(r).toEqual({ rolname: r.rolname, rolsuper: false, rolcreaterole: false, rolcreatedb: false });
  });

  it("refuses the gateway's login everything outside its schema: it cannot rewrite auth's password hashes or read admin's users", async () => {
    const hashColumn = await owner.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'auth' AND column_name LIKE '%hash%' ORDER BY table_name LIMIT 1",
    );
    expect(hashColumn.rows).toHaveLength(1);
    const { table_name: table, column_name: column } = hashColumn.rows[0];
    const before = await owner.query(
      `SELECT count(*)::int AS n, md5(string_agg("${column}"::text, ',' ORDER BY "${column}"::text)) AS sum FROM auth."${table}"`,
    );

    const gateway = await connect(sys.databaseUrls.gateway);
    try {
      await expect(gateway.query(`UPDATE auth."${table}" SET "${column}" = "${column}"`)).rejects.toThrow(
        /permission denied for schema auth/,
      );
      await expect(gateway.query(`SELECT * FROM auth."${table}"`)).rejects.toThrow(
        /permission denied for schema auth/,
      );
      await expect(gateway.query('SELECT * FROM admin.users')).rejects.toThrow(
        /permission denied for schema admin/,
      );
      await expect(gateway.query('CREATE SCHEMA evil')).rejects.toThrow(/permission denied for database/);
      await expect(gateway.query('SET ROLE postgres')).rejects.toThrow(/permission denied/);
      await expect(gateway.query('SET ROLE cloudflow_auth')).rejects.toThrow(/permission denied/);
      // Its own schema is its to use.
      expect(
        (await gateway.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway.requests')).rows[0].n,
      ).toBeGreaterThanOrEqual(0);
    } finally {
      await gateway.end();
    }
    expect(
      (
        await owner.query(
          `SELECT count(*)::int AS n, md5(string_agg("${column}"::text, ',' ORDER BY "${column}"::text)) AS sum FROM auth."${table}"`,
        )
      ).rows,
    ).toEqual(before.rows);

    // The same walls around the others, and a password that is not the role's gets nowhere.
    const auth = await connect(sys.databaseUrls.auth);
    const admin = await connect(sys.databaseUrls.admin);
    try {
      await expect(auth.query('SELECT * FROM gateway.requests')).rejects.toThrow(
        /permission denied for schema gateway/,
      );
      await expect(admin.query(`SELECT * FROM auth."${table}"`)).rejects.toThrow(
        /permission denied for schema auth/,
      );
    } finally {
      await Promise.all([auth.end(), admin.end()]);
    }
    const wrong = new URL(sys.databaseUrls.gateway);
    wrong.password = 'not-the-password-of-this-role';
    await expect(connect(wrong.toString())).rejects.toThrow(/password authentication failed/);
  });
});
