/**
 * What the benchmark reads from the kernel: CPU time and RSS of processes from /proc, and the
 * CPU pinning done with taskset. Linux only, like the benchmark itself.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat. */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface StatLine {
  ppid: number;
  /** utime + stime of the process itself, plus cutime + cstime of the children it has reaped. */
  ticks: number;
}

function readStat(pid: number): StatLine | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
    const n = (field: number) => Number(fields[field - 3]);
    return { ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
  } catch {
    return undefined; // gone
  }
}

/** The pid and every live descendant of it (Postgres forks a backend per connection). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

/**
 * CPU time of a process tree in milliseconds. A child that exits between two samples moves
 * its ticks into its parent's cutime/cstime once reaped, so deltas stay whole.
 */
export function cpuMs(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += readStat(pid)?.ticks ?? 0;
  return (ticks * 1000) / CLK_TCK;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Pins every thread of the process (and of its descendants) to one CPU. */
export function pinTree(root: number, cpu: number): void {
  for (const pid of processTree(root)) {
    try {
      execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    } catch {
      // A Postgres backend may exit between listing and pinning: nothing to pin then.
    }
  }
}

/** The CPU list a process may run on, as taskset prints it (for the report). */
export function affinity(pid: number): string {
  try {
    return execFileSync('taskset', ['-cp', String(pid)])
      .toString()
      .split(':')
      .pop()!
      .trim();
  } catch {
    return '?';
  }
}

/** Pins this process's own threads only (its children are pinned separately). */
export function pinSelf(cpu: number): void {
  execFileSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)], { stdio: 'ignore' });
}
