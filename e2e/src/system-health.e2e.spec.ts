import { http, startSystem, type System } from '@cloudflow/testing';
import type { Readiness } from './support/bodies';

describe('the whole system on real NATS and Postgres', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({ hubs: 2 });
  }, 90_000);
  afterAll(async () => sys?.stop());

  it('every process answers /healthz, /readyz and /metrics', async () => {
    for (const svc of [sys.auth, sys.admin, ...sys.gateways, ...sys.hubs]) {
      expect((await http<{ status: string }>('GET', `${svc.url}/healthz`)).body).toEqual({ status: 'ok' });
      const ready = await http<Readiness>('GET', `${svc.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body.checks.nats).toBe(true);
      const metrics = await http<string>('GET', `${svc.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain(`service="${svc.name}"`);
    }
    for (const svc of [sys.auth, sys.admin, ...sys.gateways]) {
      expect((await http<Readiness>('GET', `${svc.url}/readyz`)).body.checks.postgres).toBe(true);
    }
  });

  it('reports not-ready while Postgres is down and recovers without a restart', async () => {
    await sys.postgres.stopServer();
    try {
      const down = await http<Readiness>('GET', `${sys.admin.url}/readyz`);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({
        errorCode: 'connectionLost',
        checks: { postgres: false, nats: true },
      });
      expect(sys.admin.child.running).toBe(true);
    } finally {
      await sys.postgres.startServer();
    }
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await http('GET', `${sys.admin.url}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  }, 60_000);
});
