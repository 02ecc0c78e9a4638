import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  let clock = 0;
  const cache = (ttlMs = 100, maxEntries = 3) =>
    new TtlCache<string, number>({ ttlMs, maxEntries, now: () => clock });
  beforeEach(() => (clock = 1000));

  it('keeps an entry until its age reaches the TTL', () => {
    const c = cache();
    c.set('a', 1);
    clock += 99;
    expect(c.peek('a')).toEqual({ value: 1, ageMs: 99 });
    clock += 1;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('drops the least recently used past its size bound', () => {
    const c = cache();
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now the most recently used
    c.set('d', 4);
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.get('d')]).toEqual([1, 3, 4]);
    expect(c.size).toBe(3);
  });

  it('keeps nothing with a TTL of 0', () => {
    const c = cache(0);
    c.set('a', 1);
    expect(c.get('a')).toBeUndefined();
  });

  it('loads a key once for callers asking at the same time, and keeps the answer', async () => {
    const c = cache();
    let calls = 0;
    let release!: (v: number) => void;
    const load = () => {
      calls++;
      return new Promise<number>((r) => (release = r));
    };
    const both = Promise.all([c.load('k', load), c.load('k', load)]);
    release(7);
    expect(await both).toEqual([7, 7]);
    expect(calls).toBe(1);
    expect(await c.load('k', load)).toBe(7);
    expect(calls).toBe(1);
  });

  it('keeps no failed load, and no load a clear overtook', async () => {
    const c = cache();
    await expect(c.load('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(c.get('k')).toBeUndefined();
    let release!: (v: number) => void;
    const late = c.load('k', () => new Promise<number>((r) => (release = r)));
    c.clear();
    release(1);
    expect(await late).toBe(1);
    expect(c.get('k')).toBeUndefined();
  });

  it('does not keep an answer whose load was running when its key was dropped', async () => {
    const c = new TtlCache<string, string>({ ttlMs: 5000, maxEntries: 10 });
    let release!: (v: string) => void;
    const stale = c.load('k', () => new Promise((r) => (release = r)));
    c.dropWhere((k) => k === 'k');
    // A caller after the drop does not join the old load.
    const fresh = c.load('k', () => Promise.resolve('new'));
    release('old');
    await expect(stale).resolves.toBe('old');
    await expect(fresh).resolves.toBe('new');
    await expect(c.load('k', () => Promise.resolve('again'))).resolves.toBe('new');
  });

  it('lists the entries read since they were set and past an age, and refreshes them unless dropped meanwhile', () => {
    const c = cache(1000, 10);
    c.set('read', 1);
    c.set('unread', 2);
    clock += 600;
    c.get('read');
    expect(c.due(500)).toEqual(['read']);
    const generation = c.currentGeneration;
    c.refresh('read', 10, generation, clock - 5);
    expect(c.peek('read')).toEqual({ value: 10, ageMs: 5 });
    // A drop between the ask and the answer: the refresh is not kept.
    const before = c.currentGeneration;
    c.delete('unread');
    c.refresh('read', 99, before, clock);
    expect(c.get('read')).toBe(10);
    clock += 1000;
    expect(c.due(0)).toEqual([]);
  });
});
