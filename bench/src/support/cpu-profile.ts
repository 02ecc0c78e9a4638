/**
 * Summarises V8 `.cpuprofile` files (written by `--cpu-prof`, see CLOUDFLOW_CPU_PROF in
 * libs/testing) into the top self-time packages and functions, so a report can say where a
 * service's CPU went without anyone opening the profile. Grouped by package, then by function, as a profile summary reads best.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuProfile {
  /** µs on the system's monotonic clock (CLOCK_MONOTONIC, as process.hrtime) when profiling started. */
  startTime?: number;
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  /** µs since the previous sample, one per sample. */
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  /** Share of the busy time (everything but `(idle)`), 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Who was profiled, e.g. "gateway" or "hub B (devices)". */
  label: string;
  file: string;
  /** Time covered by the samples summarised (the window's part of the profile, when a window was given). */
  totalMs: number;
  busyMs: number;
  /** The whole profile's length, window or not. */
  profiledMs: number;
  windowed: boolean;
  packages: ProfileEntry[];
  functions: ProfileEntry[];
}

/** Where a sampled frame's code lives: an npm package, our own code in dist/, a Node built-in, or a V8 pseudo-frame. */
export function packageOf(url: string, functionName: string): string {
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return `ours: ${url.split('/dist/')[1].split('/').slice(0, 3).join('/')}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  if (url) return url;
  // V8 pseudo-frames keep their own name; a C++ binding (writeBuffer, writev, …) is native code called from JS.
  return !functionName || functionName.startsWith('(')
    ? functionName || '(native)'
    : `native: ${functionName}`;
}

const top = (m: Map<string, number>, busyUs: number, n: number): ProfileEntry[] =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));

/** A span on the system's monotonic clock in µs (`process.hrtime.bigint() / 1000n` in any process of this machine). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Now on the clock V8 stamps profiles with (CLOCK_MONOTONIC), in µs. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Self time by package and by function, as shares of the busy time (idle samples left out).
 * With a `window`, only the samples taken inside it count: the measured phases, not start-up.
 */
export function summarizeProfile(
  profile: CpuProfile,
  label: string,
  file = '',
  n = 10,
  window?: ProfileWindow,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let totalUs = 0;
  let profiledUs = 0;
  const inWindow = window && profile.startTime !== undefined;
  let at = profile.startTime ?? 0;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += dt;
    profiledUs += dt;
    if (inWindow && (at < window.fromUs || at > window.toUs)) return;
    totalUs += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const pkg = packageOf(frame.url, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const where = frame.url ? ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  return {
    label,
    file,
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    profiledMs: profiledUs / 1000,
    windowed: !!inWindow,
    packages: top(packages, busyUs, n),
    functions: top(functions, busyUs, n),
  };
}

/** `gateway-40123-777-1733100000000.cpuprofile` → { service: 'gateway', port: 40123 } (libs/testing's naming). */
export function profileFileOwner(file: string): { service: string; port?: number } | undefined {
  const m = /^([a-z]+)-(\d+|x)-\d+-\d+\.cpuprofile$/.exec(file);
  if (!m) return undefined;
  return { service: m[1], ...(m[2] === 'x' ? {} : { port: Number(m[2]) }) };
}

/**
 * Every profile in `dir`, labelled by `label(service, port)` (e.g. a port → "hub A (POS)" map),
 * busiest first. Unreadable or foreign files are skipped: a report never fails on a profile.
 */
export function summarizeProfileDir(
  dir: string,
  label: (service: string, port?: number) => string = (s) => s,
  n = 10,
  window?: (label: string) => ProfileWindow | undefined,
): ProfileSummary[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  const out: ProfileSummary[] = [];
  for (const file of files.sort()) {
    const owner = profileFileOwner(file);
    try {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const name = owner ? label(owner.service, owner.port) : file;
      out.push(summarizeProfile(profile, name, join(dir, file), n, window?.(name)));
    } catch {
      // A profile cut short by a kill is not valid JSON: nothing to summarise.
    }
  }
  return out.sort((a, b) => b.busyMs - a.busyMs);
}
