import { DeviceSimulator, openSocket } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import { startBaselineRelay, type BaselineRelay } from './baseline-relay';
import { LoadClient } from './load/load-client';
import { startCredentialShim } from './support/credential-shim';

interface Received {
  type: string;
  originatingRequestId?: string | null;
  source?: string | null;
  payload: Record<string, unknown>;
}

/** Frames a raw socket receives, with a way to wait for the n-th one. */
function inbox(ws: WebSocket) {
  const frames: Received[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString('utf8')) as Received);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (count: number) => {
    const deadline = Date.now() + 5000;
    while (frames.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} frames, got ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return frames;
  };
  return { frames, next };
}

const payment = (target: string, requestId = randomUUID()) => ({
  type: 'payment',
  format: 'appflow',
  version: '2.1.2',
  requestId,
  target,
  payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount: 1250, currency: 'EUR' } },
});

describe('the no-broker baseline relay', () => {
  let relay: BaselineRelay;
  const sockets: WebSocket[] = [];
  const connect = async (query: string) => {
    const ws = await openSocket(`${relay.url}?${query}`, 'none');
    sockets.push(ws);
    return ws;
  };

  beforeAll(async () => {
    relay = await startBaselineRelay();
  });
  afterAll(async () => {
    sockets.forEach((ws) => ws.terminate());
    await relay.close();
  });

  it('delivers a payment to the target device and every reply back to the requesting client, in order', async () => {
    const device = await connect('device=till-1');
    const other = await connect('device=till-2');
    const pos = await connect('client=pos-1');
    const deviceIn = inbox(device);
    const otherIn = inbox(other);
    const posIn = inbox(pos);

    const request = payment('till-1');
    pos.send(JSON.stringify(request));
    const [delivered] = await deviceIn.next(1);
    expect(delivered).toEqual({ ...request, source: 'pos-1' });

    const reply = (type: string, payload: object) => ({
      type,
      format: 'appflow',
      version: '2.1.2',
      requestId: randomUUID(),
      originatingRequestId: request.requestId,
      payload,
    });
    device.send(JSON.stringify(reply('flowEvent', { stage: 'PRESENT_CARD' })));
    device.send(JSON.stringify(reply('paymentResponse', { outcome: 'FULFILLED' })));
    const answers = await posIn.next(2);
    expect(answers.map((f) => [f.type, f.originatingRequestId, f.source])).toEqual([
      ['flowEvent', request.requestId, 'till-1'],
      ['paymentResponse', request.requestId, 'till-1'],
    ]);
    expect(answers[1].payload).toEqual({ outcome: 'FULFILLED' });
    expect(otherIn.frames).toEqual([]);

    // The final answer freed the device: a second payment goes through.
    pos.send(JSON.stringify(payment('till-1')));
    await deviceIn.next(2);
  });

  it('answers connectionLost for a device that is not connected, busy devices with preconditionFailed, and a drop mid-flight with connectionLost', async () => {
    const pos = await connect('client=pos-2');
    const posIn = inbox(pos);
    const lost = payment('till-absent');
    pos.send(JSON.stringify(lost));
    expect((await posIn.next(1))[0]).toMatchObject({
      type: 'flowException',
      originatingRequestId: lost.requestId,
      payload: { errorCode: 'connectionLost' },
    });

    const device = await connect('device=till-3');
    const first = payment('till-3');
    const second = payment('till-3');
    pos.send(JSON.stringify(first));
    pos.send(JSON.stringify(second));
    expect((await posIn.next(2))[1]).toMatchObject({
      type: 'flowException',
      originatingRequestId: second.requestId,
      payload: { errorCode: 'preconditionFailed' },
    });
    device.terminate();
    expect((await posIn.next(3))[2]).toMatchObject({
      type: 'flowException',
      originatingRequestId: first.requestId,
      payload: { errorCode: 'connectionLost' },
    });
  });

  it('runs the very device and POS code the benchmark uses: DeviceSimulator behind the credential stand-in, LoadClient paying', async () => {
    const shim = await startCredentialShim(relay.url);
    const sim = new DeviceSimulator(
      {
        gatewayUrl: shim.url,
        appKey: 'none',
        model: 'BENCH-1',
        serialNumber: 'SN-till-4',
        apiToken: 'none',
        hubUrl: `${relay.url}?device=till-4`,
      },
      { delayMs: 0, events: 0, reconnect: false },
    );
    await sim.connect();
    const client = new LoadClient(await connect('client=pos-3'));
    const ok = await client.pay('till-4', 1000);
    const declined = await client.pay('till-4', 2051);
    expect(ok.result).toBe('paymentResponse:FULFILLED');
    expect(declined.result).toBe('paymentResponse:FAILED');
    expect(sim.requestsReceived).toBe(2);
    expect(sim.received.frames.map((f) => f.source)).toEqual(['pos-3', 'pos-3']);
    expect(await client.pay('till-absent', 1000)).toMatchObject({ result: 'flowException:connectionLost' });
    await sim.stop();
    await shim.close();
  });
});
