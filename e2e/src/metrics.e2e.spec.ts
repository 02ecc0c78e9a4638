import type { RequestView } from '@cloudflow/contracts';
import {
  DeviceSimulator,
  http,
  parsePrometheusText,
  PosClient,
  promNames,
  promqlMetricNames,
  promValue,
  startSystem,
  waitFor,
  WebhookReceiver,
  type PromSample,
  type ServiceProcess,
  type System,
} from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  expectStatus,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';
import type { RequestAccepted } from './support/bodies';

const ROOT = join(__dirname, '../..');

/**
 * The operator metrics of issue 14 on real processes (README, "Metrics"): a sync payment across
 * two hubs, an async one with its webhooks, refusals, a dead delivery and a device connect move
 * exactly the series they should, on the process that decides them; and every metric the Grafana
 * dashboard (deploy/grafana) reads exists in the services' real /metrics output.
 */
describe('metrics end to end', () => {
  let sys: System;
  let tenant: Tenant;
  let pos: Account;
  let receiver: WebhookReceiver;
  let sim: DeviceSimulator | undefined;
  let client: PosClient | undefined;
  let pg: Client;
  let till: Device;
  /** The hub the POS connects to, and the one holding the terminal: a sync payment crosses between them. */
  let posHub: ServiceProcess;
  let deviceHub: ServiceProcess;
  let gateway: ServiceProcess;

  const scrape = async (p: ServiceProcess): Promise<PromSample[]> => {
    const res = await fetch(`${p.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parsePrometheusText(await res.text());
  };
  const value = async (p: ServiceProcess, name: string, labels: Record<string, string> = {}) =>
    promValue(await scrape(p), name, labels);
  /** Waits until `name{labels}` on `p` is `expected` (counters and histograms settle after the answer is sent). */
  const settles = (p: ServiceProcess, name: string, labels: Record<string, string>, expected: number) =>
    waitFor(
      `${name}${JSON.stringify(labels)} = ${expected} on ${p.name}:${p.port}`,
      async () => ((await value(p, name, labels)) === expected ? true : undefined),
      10_000,
    );
  const payment = (requestId: string, target = 'till-1') => ({
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId,
    target,
    payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1250, currency: 'EUR' } },
  });
  const post = <T = unknown>(body: ReturnType<typeof payment>) =>
    http<T>('POST', `${sys.gatewayUrl}/client/v1.1/requests`, { body, headers: clientHeaders(tenant, pos) });
  const sendAsync = (requestId: string, target = 'till-1') => post(payment(requestId, target));
  const sync = { mode: 'sync', type: 'payment' };
  const async = { mode: 'async', type: 'payment' };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    sys = await startSystem({
      hubs: 2,
      env: {
        // A delivery the receiver refuses goes dead within seconds; the gauge is counted every 300 ms.
        WEBHOOK_MAX_AGE_MS: '1500',
        WEBHOOK_BACKOFF_BASE_MS: '100',
        WEBHOOK_BACKOFF_MAX_MS: '300',
        WEBHOOK_POLL_MS: '100',
        METRICS_DEAD_DELIVERIES_MS: '300',
      },
    });
    [posHub, deviceHub] = sys.hubs;
    gateway = sys.gateways[0];
    tenant = await createTenant(sys);
    pos = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 8)}`,
      webhookUrl: receiver.url,
    });
    receiver.secret = pos.webhookSecret;
    const [first] = await Promise.all(
      ['till-1', 'till-off'].map((referenceId) =>
        createDevice(sys, tenant, pos.accountId, {
          referenceId,
          serialNumber: `SN-${randomUUID().slice(0, 8)}`,
          model: 'M1',
        }),
      ),
    );
    till = first;
    pg = new Client({ connectionString: sys.databaseUrl });
    await pg.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await sim?.stop();
    await pg?.end();
    await receiver?.stop();
    await sys?.stop();
  });

  it('counts the sockets each hub holds, by kind', async () => {
    for (const hub of sys.hubs)
      for (const kind of ['device', 'client'])
        expect(await value(hub, 'cloudflow_hub_sockets', { kind })).toBe(0);
    sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: till.model,
        serialNumber: till.serialNumber,
        apiToken: till.apiToken,
        hubUrl: `ws://127.0.0.1:${deviceHub.port}/ws`,
      },
      { delayMs: 10, events: 2 },
    );
    await sim.connect();
    client = new PosClient({
      gatewayUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: pos.accountId,
      apiToken: pos.apiToken,
      hubUrl: `ws://127.0.0.1:${posHub.port}/ws`,
    });
    await client.connect();
    await settles(deviceHub, 'cloudflow_hub_sockets', { kind: 'device' }, 1);
    await settles(posHub, 'cloudflow_hub_sockets', { kind: 'client' }, 1);
    expect(await value(deviceHub, 'cloudflow_hub_sockets', { kind: 'client' })).toBe(0);
    expect(await value(posHub, 'cloudflow_hub_sockets', { kind: 'device' })).toBe(0);
    // One series per hub, named by the hub (the dashboard's $hub): the two hubs' names differ.
    const hubOf = async (p: ServiceProcess) =>
      (await scrape(p)).find((s) => s.name === 'cloudflow_hub_sockets')?.labels.hub;
    expect(await hubOf(posHub)).toBeTruthy();
    expect(await hubOf(posHub)).not.toBe(await hubOf(deviceHub));
  });

  it('counts a sync payment once, at the POS hub, and its device round trip at the device hub', async () => {
    const result = await client!.pay('till-1', 1250);
    expect(result.final.type).toBe('paymentResponse');
    await settles(posHub, 'cloudflow_requests_total', { ...sync, status: 'completed' }, 1);
    expect(await value(posHub, 'cloudflow_requests_total')).toBe(1);
    expect(await value(deviceHub, 'cloudflow_requests_total')).toBe(0);
    expect(await value(gateway, 'cloudflow_requests_total')).toBe(0);
    await settles(deviceHub, 'cloudflow_device_round_trip_seconds_count', { mode: 'sync' }, 1);
    expect(await value(posHub, 'cloudflow_device_round_trip_seconds_count')).toBe(0);
    // The simulator answers after two events 10 ms apart: well inside the first buckets, never 0.
    expect(
      await value(deviceHub, 'cloudflow_device_round_trip_seconds_sum', { mode: 'sync' }),
    ).toBeGreaterThan(0);
    expect(
      await value(deviceHub, 'cloudflow_device_round_trip_seconds_bucket', { mode: 'sync', le: '+Inf' }),
    ).toBe(1);

    // A terminal that is not connected: refused, nothing dispatched, counted as rejected.
    const refused = await client!.pay('till-off', 1250);
    expect(refused.final.payload).toMatchObject({ errorCode: 'connectionLost', dispatched: false });
    await settles(posHub, 'cloudflow_requests_total', { ...sync, status: 'rejected' }, 1);
    expect(await value(posHub, 'cloudflow_requests_total')).toBe(2);
  });

  it('counts an async payment once at the gateway, its round trip at the device hub, and each webhook lag', async () => {
    const requestId = randomUUID();
    const body = payment(requestId);
    expect(expectStatus('send', await post<RequestAccepted>(body), 202)).toMatchObject({
      status: 'dispatched',
    });
    const got = await receiver.waitForAccepted(3, requestId, 10_000);
    expect(got.map((r) => r.body?.type)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);
    await settles(gateway, 'cloudflow_requests_total', { ...async, status: 'completed' }, 1);
    expect(await value(gateway, 'cloudflow_requests_total')).toBe(1);
    // The sync counts did not move: the record of the sync payment at the gateway is not counted again.
    expect(await value(posHub, 'cloudflow_requests_total')).toBe(2);
    await settles(deviceHub, 'cloudflow_device_round_trip_seconds_count', { mode: 'async' }, 1);
    await settles(gateway, 'cloudflow_webhook_lag_seconds_count', {}, 3);
    expect(await value(gateway, 'cloudflow_webhook_attempts_total', { outcome: 'delivered' })).toBe(3);
    const lagSum = await value(gateway, 'cloudflow_webhook_lag_seconds_sum');
    expect(lagSum).toBeGreaterThan(0);
    expect(lagSum).toBeLessThan(30);

    // An unknown device: 404, refused before anything is stored or sent.
    expectStatus('unknown device', await sendAsync(randomUUID(), 'till-404'), 404);
    // A terminal that is not connected: 410, nothing dispatched.
    expectStatus('not connected', await sendAsync(randomUUID(), 'till-off'), 410);
    await settles(gateway, 'cloudflow_requests_total', { ...async, status: 'rejected' }, 2);
    // A replay of a known requestId is the same request, and the same id with another body a
    // conflict: neither is counted again.
    expectStatus('replay', await post<RequestView>(body), 200);
    expectStatus('conflict', await sendAsync(requestId), 409);
    expect(await value(gateway, 'cloudflow_requests_total')).toBe(3);

    // Everything the hubs published is recorded and acknowledged: the shared consumer has no lag.
    await settles(gateway, 'cloudflow_request_events_pending_messages', {}, 0);
    await settles(gateway, 'cloudflow_request_events_ack_pending_messages', {}, 0);
  });

  it('reports dead deliveries: the counter per gateway and the gauge of the outbox', async () => {
    const before = await value(gateway, 'cloudflow_webhook_attempts_total', { outcome: 'dead' });
    expect(await value(gateway, 'cloudflow_webhook_dead_deliveries')).toBe(0);
    const requestId = randomUUID();
    receiver.respond = (d) => (d.requestId === requestId ? 500 : 200);
    try {
      expectStatus('send', await sendAsync(requestId), 202);
      // Refused until the 1.5 s maximum age: all three messages of the request go dead.
      await settles(gateway, 'cloudflow_webhook_attempts_total', { outcome: 'dead' }, before + 3);
      await settles(gateway, 'cloudflow_webhook_dead_deliveries', {}, 3);
    } finally {
      receiver.respond = undefined;
    }
    const rows = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gateway.webhook_deliveries WHERE status = 'dead'`,
    );
    expect(rows.rows[0].n).toBe(3);
    expect(await value(gateway, 'cloudflow_webhook_attempts_total', { outcome: 'failed' })).toBeGreaterThan(
      0,
    );
  }, 30_000);

  it('serves every metric the Grafana dashboard reads, each documented in the README', async () => {
    const names = new Set<string>();
    for (const p of [...sys.auths, ...sys.admins, ...sys.gateways, ...sys.hubs]) {
      const res = await fetch(`${p.url}/metrics`);
      for (const name of promNames(await res.text())) names.add(name);
    }
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'deploy/grafana/cloudflow-dashboard.json'), 'utf8'),
    ) as { panels: Array<{ targets?: Array<{ expr: string }>; panels?: unknown[] }> };
    const used = new Set(
      dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => promqlMetricNames(t.expr))),
    );
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((n) => !names.has(n));
    expect(missing).toEqual([]);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const undocumented = [...used]
      .filter((n) => n.startsWith('cloudflow_'))
      .map((n) => n.replace(/_(bucket|sum|count)$/, ''))
      .filter((family) => !readme.includes(`\`${family}\``));
    expect(undocumented).toEqual([]);
  });

  it('drops the device from its hub when the terminal disconnects', async () => {
    await sim!.stop();
    sim = undefined;
    await settles(deviceHub, 'cloudflow_hub_sockets', { kind: 'device' }, 0);
    expect(await value(posHub, 'cloudflow_hub_sockets', { kind: 'client' })).toBe(1);
  });
});
