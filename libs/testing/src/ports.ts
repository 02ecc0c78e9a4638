import { mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Ports are drawn at random below Linux's ephemeral range (32768–60999): asking the OS for port 0
// hands out ephemeral ports in sequence, so two test processes probing at the same moment (or an
// outgoing connection taking an ephemeral port) could be given the same one between our probe and
// the server's own listen. A random draw from ~12,000 ports makes that collision unlikely, and a port
// this process already handed out is never handed out again.
const LOW = 20_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

/**
 * Ports handed out by any test process on this machine: `<dir>/<port>` holds the pid that took
 * it. A port is probed free, then a nats-server or Postgres takes a second to listen on it; a
 * probe from another jest worker in that second found it free too (EADDRINUSE in CI). A port
 * stays taken while its process lives, and is taken over once that process is gone.
 */
const RESERVED = join(tmpdir(), 'cloudflow-test-ports');
const LOCK = join(RESERVED, '.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One process at a time reads and writes reservations (mkdir is atomic); a lock left by a crash goes after 10 s. */
async function withLock<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(RESERVED, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10_000) {
        // Another process may remove it first: then the next mkdir simply tries again.
        try {
          rmdirSync(LOCK);
        } catch {
          /* gone already */
        }
      } else await new Promise((r) => setTimeout(r, 2));
    }
  }
  try {
    return await work();
  } finally {
    try {
      rmdirSync(LOCK);
    } catch {
      /* taken as stale by another process after 10 s: nothing to undo */
    }
  }
}

function reservedByOther(port: number): boolean {
  try {
    const pid = Number(readFileSync(join(RESERVED, String(port)), 'utf8'));
    return pid !== process.pid && pid > 0 && alive(pid);
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port that is free on 127.0.0.1 right now and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    const taken = await withLock(async () => {
      if (reservedByOther(port) || !(await canListen(port))) return false;
      writeFileSync(join(RESERVED, String(port)), String(process.pid));
      return true;
    });
    if (taken) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in ${LOW}–${HIGH}`);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}
