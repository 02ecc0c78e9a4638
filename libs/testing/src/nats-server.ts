import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child';
import { freePort, waitFor } from './ports';

export interface NatsHandle {
  url: string;
  port: number;
  child: Child;
  /** The JetStream store folder (-sd): fault campaigns scan it for clear card data. */
  dir: string;
  /** Kill -9 and start again on the same port (fault tests). */
  restart(): Promise<void>;
  /** An outage: the server goes away (SIGTERM) and stays away until `startServer`, keeping its JetStream data. */
  stopServer(): Promise<void>;
  /** Back on the same port and data folder after `stopServer`. */
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

export function natsServerBinary(): string {
  for (const candidate of [process.env.NATS_SERVER_BIN, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* try the next */
    }
  }
  throw new Error('nats-server not found: apt-get install -y nats-server (or set NATS_SERVER_BIN)');
}

/** A real nats-server on a free loopback port, with JetStream in a throwaway folder. */
export async function startNats(): Promise<NatsHandle> {
  const bin = natsServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'cf-nats-'));
  const port = await freePort();
  const monitor = await freePort();
  const launch = async () => {
    const child = Child.start('nats', bin, ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '-js', '-sd', dir], join(dir, 'nats.log'));
    await waitFor('nats-server', async () => {
      if (!child.running) throw new Error(`nats-server exited:\n${child.logs()}`);
      const res = await fetch(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`);
      return res.ok ? true : undefined;
    });
    return child;
  };
  const handle: NatsHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    child: await launch(),
    async restart() {
      await handle.child.kill();
      handle.child = await launch();
    },
    async stopServer() {
      await handle.child.stop('SIGTERM', 3000);
    },
    async startServer() {
      if (!handle.child.running) handle.child = await launch();
    },
    async stop() {
      await handle.child.stop('SIGTERM', 3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
