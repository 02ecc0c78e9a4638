import { KeyedLanes } from './keyed-lanes';

/** A job the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { job: () => (log.push(`start ${name}`), done.then(() => void log.push(`end ${name}`))), open };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedLanes', () => {
  it('runs different keys at once and one key strictly in order', async () => {
    const log: string[] = [];
    const lanes = new KeyedLanes(8);
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    lanes.run('a', a1.job);
    lanes.run('a', a2.job);
    lanes.run('b', b1.job);
    await tick();
    expect(log).toEqual(['start a1', 'start b1']);
    b1.open();
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end b1']);
    a1.open();
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2']);
    a2.open();
    await lanes.idle();
    expect(log.at(-1)).toBe('end a2');
    expect(lanes.size).toBe(0);
  });

  it('admits no more than the limit, counting jobs queued behind their key', async () => {
    const log: string[] = [];
    const lanes = new KeyedLanes(2);
    const x1 = gate(log, 'x1');
    const x2 = gate(log, 'x2');
    lanes.run('x', x1.job);
    await lanes.admit();
    lanes.run('x', x2.job);
    let admitted = false;
    void lanes.admit().then(() => (admitted = true));
    await tick();
    expect(admitted).toBe(false);
    x1.open();
    await tick();
    await tick();
    expect(admitted).toBe(true);
    x2.open();
    await lanes.idle();
  });

  it('keeps a lane going after a job fails', async () => {
    const lanes = new KeyedLanes(4);
    const ran: string[] = [];
    lanes.run('k', () => Promise.reject(new Error('boom')));
    lanes.run('k', () => Promise.resolve(void ran.push('second')));
    await lanes.idle();
    expect(ran).toEqual(['second']);
  });

  it('refuses a limit below one', () => {
    expect(() => new KeyedLanes(0)).toThrow(/positive integer/);
  });
});
