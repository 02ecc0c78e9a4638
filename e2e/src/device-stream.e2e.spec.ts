import { luhnValid, REQUEST_EVENTS, type CloudFlowMessage, type RequestView } from '@cloudflow/contracts';
import { DeviceSimulator, http, PosClient, startSystem, waitFor, type System } from '@cloudflow/testing';
import { connect } from 'nats';
import { randomUUID } from 'node:crypto';
import {
  clientHeaders,
  createAccount,
  createDevice,
  createTenant,
  type Account,
  type Device,
  type Tenant,
} from './support/tenant';

type Body = Record<string, unknown>;

/**
 * Issue 9, the device → stream path on real processes: a device's final answer is acked only
 * once the request stream holds it and is resent after its hub dies; card numbers are masked
 * before they reach the stream; a device that stops reading is closed without slowing others.
 */
describe('the device → stream path', () => {
  let sys: System;
  let tenant: Tenant;
  let account: Account;
  let hubA: string;
  let hubB: string;
  const sims: DeviceSimulator[] = [];
  const poses: PosClient[] = [];

  const device = async () => {
    const suffix = randomUUID().slice(0, 8);
    return createDevice(sys, tenant, account.accountId, {
      referenceId: `till-${suffix}`,
      serialNumber: `SN-${suffix}`,
      model: 'SIM-1',
    });
  };
  const simOn = async (
    d: Device,
    hubUrl: string,
    behaviour: ConstructorParameters<typeof DeviceSimulator>[1] = {},
  ) => {
    const sim = new DeviceSimulator(
      {
        gatewayUrl: sys.gatewayUrl,
        appKey: tenant.appKey,
        model: d.model,
        serialNumber: d.serialNumber,
        apiToken: d.apiToken,
        hubUrl,
      },
      { delayMs: 10, ...behaviour },
    );
    sims.push(sim);
    await sim.connect();
    return sim;
  };
  const posOn = async (hubUrl: string) => {
    const pos = new PosClient({
      gatewayUrl: sys.gatewayUrl,
      appKey: tenant.appKey,
      accountId: account.accountId,
      apiToken: account.apiToken,
      hubUrl,
    });
    poses.push(pos);
    await pos.connect();
    return pos;
  };
  /** The stored request; Partial, as it is polled before it exists (a 404's body has none of its fields). */
  const record = async (requestId: string) =>
    (
      await http<Partial<RequestView>>('GET', `${sys.gatewayUrl}/client/v1.1/requests/${requestId}`, {
        headers: clientHeaders(tenant, account),
      })
    ).body;
  const reply = (to: string, type: CloudFlowMessage['type'], payload: Body): CloudFlowMessage => ({
    type,
    format: 'appflow',
    version: '2.1.2',
    requestId: randomUUID(),
    originatingRequestId: to,
    payload,
  });

  beforeAll(async () => {
    // A small outbound cap (the kernel's loopback buffers hold megabytes before it even counts), and room for the
    // POS below to queue its burst of large frames without hitting the inbound cap first; liveness pings rare
    // enough that only the cap, not a missed pong, can close the stuck device within the test's wait.
    sys = await startSystem({
      hubs: 2,
      env: {
        MAX_OUTBOUND_BUFFER_BYTES: String(64 * 1024),
        MAX_INBOUND_QUEUE: '100000',
        PING_INTERVAL_MS: '120000',
      },
    });
    hubA = `ws://127.0.0.1:${sys.hubs[0].port}/ws`;
    hubB = `ws://127.0.0.1:${sys.hubs[1].port}/ws`;
    tenant = await createTenant(sys);
    account = await createAccount(sys, tenant, {
      accountId: `pos-${randomUUID().slice(0, 6)}`,
      connectionLimit: 50,
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...sims.map((s) => s.stop()), ...poses.map((p) => p.close())]).catch(() => undefined);
    await sys?.stop();
  }, 60_000);

  it('masks card numbers before the request stream, while the POS receives the frames unchanged', async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { silent: true });
    const pos = await posOn(hubA);
    const requestId = randomUUID();
    pos.send(pos.paymentFrame(d.referenceId, 1250, 'EUR', requestId));
    await waitFor('delivered', async () => (sim.requestsReceived === 1 ? true : undefined), 10_000);
    const card = {
      track2: ';4111111111111111D25121010000000000?',
      tlv: '5A0841111111111111115F2403251231',
      pan: '5500 0000 0000 0004',
    };
    sim.send(reply(requestId, 'flowEvent', { stage: 'PROCESSING', card }));
    const final = reply(requestId, 'paymentResponse', { outcome: 'FULFILLED', card });
    sim.send(final);
    const got = await pos.received.waitFor(
      (f) => f.originatingRequestId === requestId && f.type === 'paymentResponse',
      10_000,
      'the final',
    );
    expect(got.payload.card).toEqual(card);
    await sim.received.waitFor(
      (f) => (f.type as string) === 'ack' && f.originatingRequestId === final.requestId,
      10_000,
      'the ack',
    );

    const nc = await connect(sys.nats.connectOptions());
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(REQUEST_EVENTS.stream);
      expect(info.config.max_age).toBe(REQUEST_EVENTS.maxAgeMs * 1_000_000);
      const ours: string[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const text = (await jsm.streams.getMessage(REQUEST_EVENTS.stream, { seq })).string();
        expect(clearPan(text)).toBeNull();
        // A stream message carries one event, or several as an array (the hub batches its publishes).
        const parsed = JSON.parse(text) as unknown;
        for (const event of Array.isArray(parsed) ? parsed : [parsed])
          if (JSON.stringify(event).includes(requestId)) ours.push(JSON.stringify(event));
      }
      // start, flowEvent, paymentResponse: stored, card data masked.
      expect(ours.length).toBe(3);
      expect(ours.filter((t) => t.includes('************1111')).length).toBe(2);
    } finally {
      await nc.close();
    }
  }, 60_000);

  it('closes a device that stopped reading (1013) while another device on the same hub keeps its latency', async () => {
    const stuckDevice = await device();
    const stuck = await simOn(stuckDevice, hubB, { silent: true, reconnect: false });
    const healthyDevice = await device();
    await simOn(healthyDevice, hubB);
    const pos = await posOn(hubA);
    const pos2 = await posOn(hubA);
    const requestId = randomUUID();
    pos.send(pos.paymentFrame(stuckDevice.referenceId, 1000, 'EUR', requestId));
    await waitFor('delivered', async () => (stuck.requestsReceived === 1 ? true : undefined), 10_000);
    stuck.pauseReading();
    // ~60 KB flowEvents for the stuck device: more than the kernel buffers and the cap hold.
    const blob = 'x'.repeat(60_000);
    let lost: CloudFlowMessage | undefined;
    void pos.received
      .waitFor(
        (f) => f.originatingRequestId === requestId && f.type === 'flowException',
        60_000,
        'connectionLost',
      )
      .then(
        (f) => (lost = f),
        () => undefined,
      );
    for (let i = 0; i < 300 && !lost; i++) {
      pos.send({
        type: 'flowEvent',
        format: 'appflow',
        version: '2.1.2',
        requestId: randomUUID(),
        originatingRequestId: requestId,
        target: stuckDevice.referenceId,
        payload: { blob },
      });
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 50));
    }
    const started = Date.now();
    const fine = await pos2.pay(healthyDevice.referenceId, 1000);
    expect(fine.final.type).toBe('paymentResponse');
    expect(Date.now() - started).toBeLessThan(3000);
    const exception = await pos.received.waitFor(
      (f) => f.originatingRequestId === requestId && f.type === 'flowException',
      30_000,
      'connectionLost for the stuck device',
    );
    expect(exception.payload).toMatchObject({ errorCode: 'connectionLost' });
    stuck.resumeReading();
    await waitFor(
      'the stuck socket to be seen closed',
      async () => (stuck.closes.length ? true : undefined),
      30_000,
    );
    expect([1013, 1006]).toContain(stuck.closes[0].code);
  }, 120_000);

  it("acks a device's final only once the stream holds it; after kill -9 of its hub before the ack, the device resends it on its new hub and the record holds it once", async () => {
    const d = await device();
    const sim = await simOn(d, hubB, { holdFinal: true, events: 1, failoverHubUrls: [hubA] });
    const pos = await posOn(hubA);
    const requestId = randomUUID();
    pos.send(pos.paymentFrame(d.referenceId, 4200, 'EUR', requestId));
    await waitFor(
      'the flowEvent to be recorded',
      async () => ((await record(requestId)).messages?.length === 1 ? true : undefined),
      15_000,
    );

    // Hub B freezes: the final reaches its socket but nothing can publish or ack it; then it dies.
    sys.hubs[1].child.signal('SIGSTOP');
    const final = await sim.releaseFinal();
    expect(sim.unacked.has(final.requestId)).toBe(true);
    await sys.hubs[1].child.kill();

    const ack = await sim.received.waitFor(
      (f) => (f.type as string) === 'ack' && f.originatingRequestId === final.requestId,
      30_000,
      'the ack from hub A',
    );
    expect(ack).toMatchObject({ source: 'cloudflow-hub', target: d.referenceId });
    expect(sim.resent.map((f) => f.requestId)).toContain(final.requestId);
    expect(sim.unacked.size).toBe(0);
    const done = await waitFor(
      'the final to be recorded',
      async () => {
        const r = await record(requestId);
        return (r.messages ?? []).some((m) => m.type === 'paymentResponse') ? r : undefined;
      },
      15_000,
    );
    expect((done.messages ?? []).filter((m) => m.requestId === final.requestId).length).toBe(1);
    expect(done.result).toMatchObject({ type: 'paymentResponse', requestId: final.requestId });

    // The same final once more (a device that missed the ack): acked again, recorded no second time.
    sim.send(final);
    await waitFor(
      'a second ack',
      async () =>
        sim.received.frames.filter(
          (f) => (f.type as string) === 'ack' && f.originatingRequestId === final.requestId,
        ).length === 2
          ? true
          : undefined,
      15_000,
    );
    const again = await record(requestId);
    expect((again.messages ?? []).filter((m) => m.requestId === final.requestId).length).toBe(1);
    expect(pos.received.frames.filter((f) => (f.type as string) === 'ack')).toHaveLength(0);
    await sys.hubs[1].restart();
  }, 120_000);
});

/** A Luhn-valid 13–19 digit window anywhere in the text, or null. */
function clearPan(text: string): string | null {
  for (const run of text.match(/\d{13,}/g) ?? []) {
    for (let len = 13; len <= 19; len++)
      for (let s = 0; s + len <= run.length; s++)
        if (luhnValid(run.slice(s, s + len))) return run.slice(s, s + len);
  }
  return null;
}
