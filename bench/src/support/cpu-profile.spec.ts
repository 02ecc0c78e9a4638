import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileSection } from '../report/profile-section';
import {
  packageOf,
  profileFileOwner,
  summarizeProfile,
  summarizeProfileDir,
  type CpuProfile,
} from './cpu-profile';

const frame = (id: number, functionName: string, url: string, lineNumber = 0) => ({
  id,
  callFrame: { functionName, url, lineNumber },
});

/** 1 s idle, 0.5 s in pg's writer, 0.35 s in our gateway code, 0.15 s GC: busy 1 s. */
const profile: CpuProfile = {
  startTime: 1_000_000,
  nodes: [
    frame(1, '(idle)', ''),
    frame(2, 'writeBuffer', '/w/node_modules/pg/lib/connection.js', 41),
    frame(3, 'post', '/w/dist/apps/gateway/src/requests/post.js', 9),
    frame(4, '(garbage collector)', ''),
    frame(5, 'flush', '/w/node_modules/pg/lib/connection.js', 99),
  ],
  samples: [1, 2, 3, 4, 5, 1],
  timeDeltas: [500_000, 300_000, 350_000, 150_000, 200_000, 500_000],
};

describe('CPU profile summary', () => {
  it('groups self time by package and function, as shares of the busy time', () => {
    const s = summarizeProfile(profile, 'gateway');
    expect(s.totalMs).toBe(2000);
    expect(s.busyMs).toBe(1000);
    expect(s.packages.map((p) => [p.name, p.share])).toEqual([
      ['pg', 0.5],
      ['ours: apps/gateway/src', 0.35],
      ['(garbage collector)', 0.15],
    ]);
    expect(s.functions[0]).toEqual({ name: 'post requests/post.js:10', ms: 350, share: 0.35 });
    expect(s.functions.map((f) => f.name)).toContain('writeBuffer lib/connection.js:42');
    expect(s.windowed).toBe(false);
  });

  it('counts only the samples inside a window on the monotonic clock', () => {
    // Samples land at 1.5, 1.8, 2.15, 2.3, 2.5, 3.0 s: the window 1.7–2.2 s holds writeBuffer and post.
    const s = summarizeProfile(profile, 'gateway', '', 10, { fromUs: 1_700_000, toUs: 2_200_000 });
    expect(s.windowed).toBe(true);
    expect(s.profiledMs).toBe(2000);
    expect(s.totalMs).toBe(650);
    expect(s.packages.map((p) => p.name)).toEqual(['ours: apps/gateway/src', 'pg']);
    expect(s.packages[0].share).toBeCloseTo(350 / 650);
  });

  it('names where code lives: npm package (scoped too), our dist, a Node built-in', () => {
    expect(packageOf('/r/node_modules/@nestjs/core/router.js', 'x')).toBe('@nestjs/core');
    expect(packageOf('/r/node_modules/a/node_modules/nats/lib/x.js', 'x')).toBe('a');
    expect(packageOf('/r/dist/libs/platform/src/nats/x.js', 'x')).toBe('ours: libs/platform/src');
    expect(packageOf('node:internal/stream_base_commons', 'writevGeneric')).toBe(
      'node: internal/stream_base_commons',
    );
    expect(packageOf('', '(program)')).toBe('(program)');
    expect(packageOf('', 'writev')).toBe('native: writev');
  });

  it('reads the service and port from libs/testing file names and labels a directory of profiles, busiest first', () => {
    expect(profileFileOwner('hub-40123-77-1733100000000.cpuprofile')).toEqual({
      service: 'hub',
      port: 40123,
    });
    expect(profileFileOwner('gateway-x-77-1.cpuprofile')).toEqual({ service: 'gateway' });
    expect(profileFileOwner('CPU.20261202.cpuprofile')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
    try {
      const quiet: CpuProfile = { ...profile, samples: [1, 3], timeDeltas: [100_000, 100_000] };
      writeFileSync(join(dir, 'hub-1001-7-1.cpuprofile'), JSON.stringify(quiet));
      writeFileSync(join(dir, 'hub-1002-7-2.cpuprofile'), JSON.stringify(profile));
      writeFileSync(join(dir, 'gateway-1003-7-3.cpuprofile'), '{ cut short');
      const labels = new Map([
        [1001, 'hub A'],
        [1002, 'hub B'],
      ]);
      const list = summarizeProfileDir(
        dir,
        (service, port) => labels.get(port!) ?? service,
        10,
        (label) => (label === 'hub A' ? { fromUs: 0, toUs: 1_150_000 } : undefined),
      );
      expect(list.map((s) => [s.label, s.busyMs])).toEqual([
        ['hub B', 1000],
        ['hub A', 0],
      ]);
      const md = profileSection(list, dir).join('\n');
      expect(md).toContain('### hub B: 1.0 s busy in a 2.0 s profiled, whole life');
      expect(md).toContain('### hub A: 0.0 s busy in a 0.1 s window of 0.2 s profiled');
      expect(md).toContain('| pg | 50.0 % | `post requests/post.js:10` | 35.0 % |');
      expect(summarizeProfileDir(join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
