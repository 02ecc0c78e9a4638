import { StartLinger } from './start-linger';

describe('StartLinger', () => {
  it('lets a held start go right before the next event of its key, and alone once its time is up', async () => {
    const out: string[] = [];
    const linger = new StartLinger<string>(30, (key, item) => out.push(`${key}:${item}`));
    linger.hold('a', 'start');
    linger.hold('b', 'start');
    linger.let('a');
    out.push('a:final');
    expect(out).toEqual(['a:start', 'a:final']);
    expect(linger.size).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(out).toEqual(['a:start', 'a:final', 'b:start']);
    expect(linger.size).toBe(0);
  });

  it('never holds two for one key, and lets everything go at shutdown', () => {
    const out: string[] = [];
    const linger = new StartLinger<string>(10_000, (key, item) => out.push(`${key}:${item}`));
    linger.hold('a', 'first');
    linger.hold('a', 'again');
    expect(out).toEqual(['a:first']);
    linger.hold('b', 'start');
    linger.flush();
    expect(out).toEqual(['a:first', 'a:again', 'b:start']);
    linger.let('a');
    expect(out).toHaveLength(3);
  });
});
