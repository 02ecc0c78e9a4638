import { OrderedBatches } from './ordered-batches';

const turn = () => new Promise((r) => setImmediate(r));

/** A send whose batches the test settles by hand. */
function manualSend() {
  const sent: Array<{ items: string[]; settle: (ok: boolean) => void }> = [];
  const send = (items: string[]) => new Promise<boolean>((settle) => sent.push({ items, settle }));
  return { sent, send };
}

describe('OrderedBatches', () => {
  const a = {};
  const b = {};

  it('sends what one turn produced as one batch, and what comes meanwhile as the next', async () => {
    const { sent, send } = manualSend();
    const batches = new OrderedBatches<object, string>(send, {
      maxInFlight: 1,
      maxItems: 100,
      maxSize: 1000,
    });
    const first = [batches.add(a, 'a1', 1), batches.add(b, 'b1', 1)];
    await turn();
    expect(sent.map((s) => s.items)).toEqual([['a1', 'b1']]);
    const second = [batches.add(b, 'b2', 1), batches.add({}, 'c1', 1)];
    await turn();
    expect(sent).toHaveLength(1); // one in flight at most
    sent[0].settle(true);
    await expect(Promise.all(first)).resolves.toEqual([true, true]);
    await turn();
    // b2 waited for b1's batch (c1, a new key, did not); across keys the order is free.
    expect(sent.map((s) => s.items)).toEqual([
      ['a1', 'b1'],
      ['c1', 'b2'],
    ]);
    sent[1].settle(false);
    await expect(Promise.all(second)).resolves.toEqual([false, false]);
  });

  it('never has one key in two unsettled batches: a key whose batch is on its way waits, in order', async () => {
    const { sent, send } = manualSend();
    const batches = new OrderedBatches<object, string>(send, {
      maxInFlight: 3,
      maxItems: 100,
      maxSize: 1000,
    });
    void batches.add(a, 'a1', 1);
    await turn();
    void batches.add(a, 'a2', 1);
    void batches.add(b, 'b1', 1);
    void batches.add(a, 'a3', 1);
    await turn();
    // b1 may go at once (a free slot); a2 and a3 wait for a1's batch.
    expect(sent.map((s) => s.items)).toEqual([['a1'], ['b1']]);
    sent[0].settle(true);
    await turn();
    await turn();
    expect(sent.map((s) => s.items)).toEqual([['a1'], ['b1'], ['a2', 'a3']]);
  });

  it('keeps a key in order across full batches (by count and by size)', async () => {
    const { sent, send } = manualSend();
    const batches = new OrderedBatches<object, string>(send, { maxInFlight: 2, maxItems: 2, maxSize: 10 });
    for (const x of ['a1', 'a2', 'a3']) void batches.add(a, x, 1);
    void batches.add(b, 'b-big', 20);
    await turn();
    // a3 cannot join the full batch and must not overtake it: it waits; the oversize item goes alone.
    expect(sent.map((s) => s.items)).toEqual([['a1', 'a2'], ['b-big']]);
    sent[0].settle(true);
    await turn();
    await turn();
    expect(sent.map((s) => s.items)).toEqual([['a1', 'a2'], ['b-big'], ['a3']]);
  });

  it('refuses options that would never send', () => {
    expect(() => new OrderedBatches(async () => true, { maxInFlight: 0, maxItems: 1, maxSize: 1 })).toThrow(
      /maxInFlight/,
    );
  });
});

describe('OrderedBatches, urgent items', () => {
  it('sends a batch holding an urgent item on the next turn even with every slot taken', async () => {
    const { sent, send } = manualSend();
    const batches = new OrderedBatches<object, string>(send, {
      maxInFlight: 1,
      maxItems: 100,
      maxSize: 1000,
    });
    void batches.add({}, 'first', 1);
    await turn();
    void batches.add({}, 'plain', 1);
    await turn();
    expect(sent).toHaveLength(1); // the slot is taken: plain waits
    void batches.add({}, 'start', 1, true);
    await turn();
    expect(sent.map((s) => s.items)).toEqual([['first'], ['plain', 'start']]);
  });
});
