import { ACK_TYPE, type CloudFlowMessage, type SimulationSettings } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import { HostedTerminal } from './hosted-terminal';
import type { VirtualSocket } from './virtual-socket';

const device = (simulation: Partial<SimulationSettings> = {}) => ({
  id: 'd1',
  tenantId: 't1',
  accountId: 'a1',
  referenceId: 'sim-1',
  simulation: { delayMs: 1, events: 2, behaviour: 'approve' as const, ...simulation },
});

const payment = (baseAmount: number): CloudFlowMessage => ({
  type: 'payment',
  format: 'appflow',
  version: '2.1.2',
  requestId: randomUUID(),
  payload: { id: randomUUID(), flowType: 'sale', amounts: { baseAmount, currency: 'EUR' } },
});

/** What the hub side of one connection hears, and a way to write to the terminal. */
function hub(socket: VirtualSocket) {
  const heard: CloudFlowMessage[] = [];
  let closed: number | undefined;
  socket.on('message', (data: Buffer) => heard.push(JSON.parse(data.toString()) as CloudFlowMessage));
  socket.on('close', (code: number) => (closed = code));
  return {
    heard,
    closed: () => closed,
    write: (frame: object) => socket.send(JSON.stringify(frame)),
    final: () => heard.find((f) => f.type === 'paymentResponse'),
  };
}

async function until<T>(what: () => T | undefined, ms = 2000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('HostedTerminal', () => {
  it('answers by the amount rule with its events first', async () => {
    const terminal = new HostedTerminal(device());
    const side = hub(terminal.connect());
    const request = payment(1099);
    side.write(request);
    const final = await until(side.final);
    expect(side.heard.map((f) => f.type)).toEqual(['flowEvent', 'flowEvent', 'paymentResponse']);
    expect(final).toMatchObject({
      originatingRequestId: request.requestId,
      payload: { outcome: 'PARTIALLY_FULFILLED', transactions: [{ amounts: { baseAmount: 549 } }] },
    });
  });

  it('declines everything as `decline`, and never answers as `silent`', async () => {
    const decline = hub(new HostedTerminal(device({ behaviour: 'decline' })).connect());
    decline.write(payment(1250));
    expect((await until(decline.final)).payload).toMatchObject({
      outcome: 'FAILED',
      failureReason: 'DECLINED_BY_SIMULATION',
    });
    const silent = hub(new HostedTerminal(device({ behaviour: 'silent' })).connect());
    silent.write(payment(1250));
    await new Promise((r) => setTimeout(r, 30));
    expect(silent.heard).toEqual([]);
  });

  it('stops on a cancel before its final answer, and ignores one after', async () => {
    const terminal = new HostedTerminal(device({ delayMs: 20, events: 3 }));
    const side = hub(terminal.connect());
    const request = payment(1250);
    side.write(request);
    await until(() => side.heard[0]);
    side.write({ type: 'cancel', originatingRequestId: request.requestId, requestId: randomUUID() });
    expect((await until(side.final)).payload).toMatchObject({ outcome: 'cancelled' });
    expect(side.heard.filter((f) => f.type === 'flowEvent').length).toBeLessThan(3);

    const after = payment(1250);
    side.heard.length = 0;
    side.write(after);
    await until(side.final);
    side.write({ type: 'cancel', originatingRequestId: after.requestId, requestId: randomUUID() });
    await new Promise((r) => setTimeout(r, 50));
    expect(side.heard.filter((f) => f.type === 'paymentResponse')).toHaveLength(1);
    expect(side.final()?.payload).toMatchObject({ outcome: 'FULFILLED' });
  });

  it('resends an unacknowledged final answer on its next connection, and not once acked', async () => {
    const terminal = new HostedTerminal(device());
    const first = hub(terminal.connect());
    first.write(payment(1250));
    const final = await until(first.final);
    const second = hub(terminal.connect());
    await until(second.final);
    expect(second.final()?.requestId).toBe(final.requestId);
    second.write({ type: ACK_TYPE, originatingRequestId: final.requestId, requestId: randomUUID() });
    await new Promise((r) => setTimeout(r, 10));
    const third = hub(terminal.connect());
    await new Promise((r) => setTimeout(r, 10));
    expect(third.heard).toEqual([]);
  });

  it('`late`: drops its socket after the first event, asks to reconnect, answers on the new one', async () => {
    const terminal = new HostedTerminal(device({ behaviour: 'late' }));
    const dropped = jest.fn();
    terminal.onDropped = dropped;
    const first = hub(terminal.connect());
    const request = payment(1250);
    first.write(request);
    await until(first.closed);
    expect(first.heard.map((f) => f.type)).toEqual(['flowEvent']);
    expect(dropped).toHaveBeenCalledTimes(1);
    expect(terminal.connected).toBe(false);
    const second = hub(terminal.connect());
    expect((await until(second.final)).originatingRequestId).toBe(request.requestId);
  });

  it('`drop`: drops its socket after the first event and owes nothing', async () => {
    const terminal = new HostedTerminal(device({ behaviour: 'drop' }));
    const first = hub(terminal.connect());
    first.write(payment(1250));
    expect(await until(first.closed)).toBe(1006);
    const second = hub(terminal.connect());
    await new Promise((r) => setTimeout(r, 20));
    expect(second.heard).toEqual([]);
  });
});
