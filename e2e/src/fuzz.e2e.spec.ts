import {
  basicBearer,
  clientToken,
  enrolDevice,
  openSocket,
  Prng,
  startSystem,
  type System,
} from '@cloudflow/testing';
import { Agent } from 'node:http';
import { planRequests, type FuzzRequest } from './support/fuzz/bad-requests';
import { loadOperations, type Operation } from './support/fuzz/openapi-operations';
import { fuzzSocket, planFrames } from './support/fuzz/socket-fuzz';
import { contractProblem, send, type Outcome } from './support/fuzz/wire';
import {
  createAccount,
  createDevice,
  createTenant,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';

/**
 * Bad input over every documented operation (issue 12 "Prove"): requests generated from the
 * OpenAPI documents the services serve, each with something wrong (types, missing and extra
 * fields, huge and deeply nested bodies, NUL and lone surrogates, content types, repeated query
 * parameters, odd path segments, malformed bearers), then frames of the same kind on a device and a
 * client socket. Zero 5xx, zero hangs, every error in the contract's shape. Seeded:
 * `FUZZ_SEED=7 FUZZ_REQUESTS=20000 npx jest e2e/src/fuzz.e2e.spec.ts` replays or widens a run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
/** Routes the admin service serves (the rest are the gateway's). */
const ADMIN_ROUTE = / \/(admin|operator|portal)\//;
const FRAMES_PER_SOCKET = Number(process.env.FUZZ_FRAMES ?? 1000);
const CONCURRENCY = 12;
const REQUEST_TIMEOUT_MS = 15_000;

describe('bad-input fuzz from the OpenAPI documents', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let device: Device;
  let ops: Operation[];

  beforeAll(async () => {
    // Limits far above the run's request count: the fuzz is about bad input, not about the quota (operator.e2e tests that).
    sys = await startSystem({
      hubs: 1,
      env: { SANDBOX_USAGE_LIMIT_PER_DAY: '100000000', SANDBOX_RATE_PER_SECOND: '1000000' },
    });
    tenant = await createTenant(sys, 'Fuzz Coffee');
    account = await createAccount(sys, tenant, { accountId: 'fuzz-pos', connectionLimit: 50 });
    device = await createDevice(sys, tenant, account.accountId, {
      referenceId: 'fuzz-till',
      serialNumber: 'SN-FUZZ-1',
      model: 'FZ-1',
    });
    ops = await loadOperations([
      ...['client/1.0', 'client/1.1', 'device/1.0', 'device/1.1'].map((doc) => ({
        base: sys.gatewayUrl,
        doc,
      })),
      ...['admin/1.0', 'operator/1.0', 'portal/1.0'].map((doc) => ({ base: sys.adminUrl, doc })),
    ]);
    // Log-out ends the one portal session the fuzz has: sent without it (401), so every other
    // portal route keeps reaching its validation.
    for (const op of ops) if (op.method === 'POST' && op.path === '/portal/v1/logout') op.security = [];
  }, 180_000);
  afterAll(async () => sys?.stop());

  it(`sends ${REQUESTS} bad requests over every documented operation: no 5xx, no hang, every error in the contract's shape`, async () => {
    expect(ops.length).toBeGreaterThanOrEqual(30);
    const ctx = {
      headers: {
        'api-key': { 'api-key': tenant.appKey },
        adminBearer: { authorization: `Bearer ${tenant.accessToken}` },
        operatorToken: { authorization: `Bearer ${sys.operatorToken}` },
        portalSession: { authorization: `Bearer ${tenant.session}` },
        clientBearer: {
          authorization: basicBearer({ accountId: account.accountId, apiToken: account.apiToken }),
        },
        deviceBearer: {
          authorization: basicBearer({
            model: device.model,
            serialNumber: device.serialNumber,
            apiToken: device.apiToken,
          }),
        },
      },
      ids: {
        accountId: account.accountId,
        referenceId: device.referenceId,
        requestId: '8a4c2f0e-5b1d-4c3e-9f7a-2d6b8e1c4a90',
      },
    };
    const plan = planRequests(ops, ctx, new Prng(SEED), REQUESTS);
    const byOp = new Map<string, number>();
    for (const r of plan) byOp.set(r.op, (byOp.get(r.op) ?? 0) + 1);
    expect([...byOp.keys()].sort()).toEqual(ops.map((o) => `${o.method} ${o.path}`).sort());

    const agents = new Map<string, Agent>();
    const agentFor = (url: string) =>
      agents.get(url) ?? agents.set(url, new Agent({ keepAlive: true, maxSockets: CONCURRENCY })).get(url)!;
    const problems: string[] = [];
    const statuses = new Map<string, number>();
    let unsendable = 0;
    let resets = 0;
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < plan.length) {
        const req: FuzzRequest = plan[next++];
        const base = new URL(ADMIN_ROUTE.test(req.op) ? sys.adminUrl : sys.gatewayUrl);
        let outcome: Outcome = await send(base, req, agentFor(base.href), REQUEST_TIMEOUT_MS);
        if (outcome.kind === 'reset' && outcome.reusedSocket)
          outcome = await send(base, req, agentFor(base.href), REQUEST_TIMEOUT_MS);
        if (outcome.kind === 'unsendable') unsendable++;
        if (outcome.kind === 'reset') resets++;
        if (outcome.kind === 'answer')
          statuses.set(String(outcome.status), (statuses.get(String(outcome.status)) ?? 0) + 1);
        if (process.env.FUZZ_DEBUG && outcome.kind === 'answer' && outcome.status === 400)
          console.log(`${req.op} [${req.label}] ${outcome.text.slice(0, 200)}`);
        const problem =
          contractProblem(outcome, req.op) ??
          (outcome.kind === 'reset' && (req.body?.length ?? 0) < 1_000_000
            ? `connection reset: ${outcome.reason}`
            : undefined);
        if (problem)
          problems.push(`${req.op} [${req.label}] ${req.method} ${req.path.slice(0, 160)}: ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    for (const a of agents.values()) a.destroy();
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `fuzz seed ${SEED}: ${plan.length} requests over ${ops.length} operations in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${unsendable} unsendable by Node's client, ${resets} resets (bodies ≥ 1 MB)`,
    );
    expect(problems.slice(0, 30)).toEqual([]);
    expect(plan.length - unsendable).toBeGreaterThanOrEqual(Math.floor(REQUESTS * 0.98));
    // Nothing died on the way.
    for (const svc of [sys.auth, sys.admin, ...sys.gateways, ...sys.hubs])
      expect([svc.name, svc.child.running]).toEqual([svc.name, true]);
  }, 400_000);

  it(`sends ${FRAMES_PER_SOCKET} bad frames on a device socket and on a client socket: every answer in the contract's shape, the hub stays up`, async () => {
    const hubUrl = sys.hubs[0].url.replace(/^http/, 'ws') + '/ws';
    const common = { gatewayUrl: sys.gatewayUrl, appKey: tenant.appKey, hubUrl };
    // One token per kind, reused for every reconnect (valid 5 minutes).
    const deviceToken = (
      await enrolDevice({
        ...common,
        model: device.model,
        serialNumber: device.serialNumber,
        apiToken: device.apiToken,
      })
    ).accessToken;
    const clientTok = (
      await clientToken({ ...common, accountId: account.accountId, apiToken: account.apiToken })
    ).accessToken;
    const rng = new Prng(SEED + 1);
    const deviceResult = await fuzzSocket(
      () => openSocket(hubUrl, deviceToken),
      planFrames('device', device.referenceId, rng, FRAMES_PER_SOCKET),
    );
    const clientResult = await fuzzSocket(
      () => openSocket(hubUrl, clientTok),
      planFrames('client', device.referenceId, rng, FRAMES_PER_SOCKET),
    );
    console.log(
      `socket fuzz seed ${SEED + 1}: device ${JSON.stringify({ ...deviceResult, problems: deviceResult.problems.length })}; client ${JSON.stringify({ ...clientResult, problems: clientResult.problems.length })}`,
    );
    expect(deviceResult.problems.slice(0, 20)).toEqual([]);
    expect(clientResult.problems.slice(0, 20)).toEqual([]);
    expect(deviceResult.sent + clientResult.sent).toBe(2 * FRAMES_PER_SOCKET);
    // Each socket kind answered malformed input (the probes) rather than staying silent.
    expect(deviceResult.received).toBeGreaterThan(0);
    expect(clientResult.received).toBeGreaterThan(0);
    expect(sys.hubs[0].child.running).toBe(true);
    expect((await fetch(`${sys.hubs[0].url}/healthz`)).status).toBe(200);
  }, 300_000);
});
