import { hostOf } from './simulated-terminals.service';

describe('hostOf (which hub hosts a simulated device)', () => {
  const hubs = ['hub-a', 'hub-b', 'hub-c'];
  const devices = Array.from({ length: 300 }, (_, i) => `t\u0000a\u0000sim-${i}`);

  it('is the same answer on every hub, whatever order it lists the hubs in', () => {
    for (const d of devices) expect(hostOf(d, [...hubs].reverse())).toBe(hostOf(d, hubs));
  });

  it('spreads devices over the hubs, and moves only the devices of a hub that is gone', () => {
    const before = new Map(devices.map((d) => [d, hostOf(d, hubs)!]));
    for (const hub of hubs) expect([...before.values()].filter((h) => h === hub).length).toBeGreaterThan(60);
    for (const d of devices) {
      const after = hostOf(d, ['hub-a', 'hub-c']);
      if (before.get(d) !== 'hub-b') expect(after).toBe(before.get(d));
      else expect(['hub-a', 'hub-c']).toContain(after);
    }
  });

  it('has no host without a live hub', () => {
    expect(hostOf(devices[0], [])).toBeUndefined();
  });
});
