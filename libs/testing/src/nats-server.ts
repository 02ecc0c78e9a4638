import { type NatsServiceUser } from '@cloudflow/platform';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child';
import { freePort, waitFor } from './ports';

import { makeNatsUsers, type NatsLogin } from './nats-users';

export type { NatsLogin } from './nats-users';

export interface NatsHandle {
  /**
   * `nats://<test user>:<password>@127.0.0.1:<port>`: the harness's full-access user, so specs
   * that hand `url` to a service (NATS_URL) or to natsConnectionOptions keep working. nats.js
   * itself ignores credentials in a URL: raw `connect()` calls use `connectOptions()`.
   */
  url: string;
  /** The same server without credentials (what an anonymous client would use). */
  serverUrl: string;
  port: number;
  /** The monitoring endpoint (`/connz?auth=1` names each connection's user). */
  monitorUrl: string;
  /** The full-access test user. */
  testUser: NatsLogin;
  /** Each service's own user, with the permissions of NATS_PERMISSIONS (`hub` = the first hub user). */
  serviceUsers: Record<NatsServiceUser, NatsLogin>;
  /** `hub-1` … `hub-8`: one per hub process, each subscribing only to its own connections. */
  hubUsers: NatsLogin[];
  /** `{ servers, user, pass }` of the test user for a raw nats.js `connect()`. */
  connectOptions(): { servers: string; user: string; pass: string; tls?: { caFile: string } };
  /** NATS_USER / NATS_PASSWORD of a service's own user, for its environment (each call for `hub`: the next hub user). */
  serviceEnv(service: NatsServiceUser): { NATS_USER: string; NATS_PASSWORD: string };
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
  for (const candidate of [
    process.env.NATS_SERVER_BIN,
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
  ]) {
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

/**
 * A real nats-server on a free loopback port, with JetStream in a throwaway folder and the same
 * authorization as production: one user per service with its permissions, plus a full-access
 * test user; anonymous connections are refused.
 */
export async function startNats(): Promise<NatsHandle> {
  const bin = natsServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'cf-nats-'));
  const port = await freePort();
  const monitor = await freePort();
  const users = makeNatsUsers();
  const { testUser, serviceUsers, hubUsers } = users;
  const config = join(dir, 'nats.conf');
  writeFileSync(config, users.authorization, { mode: 0o600 });
  const launch = async () => {
    const child = Child.start(
      'nats',
      bin,
      ['-c', config, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '-js', '-sd', dir],
      join(dir, 'nats.log'),
    );
    await waitFor('nats-server', async () => {
      if (!child.running) throw new Error(`nats-server exited:\n${child.logs()}`);
      const res = await fetch(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`);
      return res.ok ? true : undefined;
    });
    return child;
  };
  const handle: NatsHandle = {
    url: `nats://${testUser.user}:${testUser.pass}@127.0.0.1:${port}`,
    serverUrl: `nats://127.0.0.1:${port}`,
    port,
    dir,
    monitorUrl: `http://127.0.0.1:${monitor}`,
    testUser,
    serviceUsers,
    hubUsers,
    connectOptions: () => ({ servers: `nats://127.0.0.1:${port}`, ...testUser }),
    serviceEnv: (service) => users.serviceEnv(service),
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
