import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Child } from './child';
import { startNatsCluster } from './nats-cluster';
import { startNats, type NatsHandle } from './nats-server';
import { freePort, waitFor } from './ports';
import { startPostgres, type PostgresHandle } from './postgres';

export type ServiceName = 'auth' | 'gateway' | 'admin' | 'hub';

export const REPO_ROOT = resolve(__dirname, '../../..').replace(/\/dist$/, '');

/** The built entry point of a service (npm test builds before running the suites). */
export function serviceEntry(name: ServiceName): string {
  const entry = join(REPO_ROOT, 'dist/apps', name, 'src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first`);
  return entry;
}

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  url: string;
  child: Child;
  /** Start again with the same settings (after a kill). */
  restart(): Promise<void>;
}

/** `env` for a service of `startSystem`: its own NATS user, as in production (NATS_USER wins over the URL's test user). */
export function withNatsUser(nats: NatsHandle, name: ServiceName, env: Record<string, string>): Record<string, string> {
  return { ...env, ...nats.serviceEnv(name) };
}

/** A restart waits this long (a fault campaign restarts during outages and tries again). */
const RESTART_READY_TIMEOUT_MS = 30_000;
/**
 * The first start of a system: seven services starting at once on two shared cores (a cluster
 * spec) were seen taking over 30 s before their first log line; merely slow must not fail a spec.
 */
const FIRST_READY_TIMEOUT_MS = 90_000;

/** Starts one built service as a real process and waits for its /readyz. */
export async function startService(name: ServiceName, env: Record<string, string>, logDir: string, waitReady = true): Promise<ServiceProcess> {
  const port = Number(env.PORT);
  const url = `http://127.0.0.1:${port}`;
  const launch = async (readyTimeoutMs: number) => {
    const child = Child.start(name, process.execPath, ['--enable-source-maps', serviceEntry(name)], join(logDir, `${name}-${port}.log`), {
      env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    });
    if (waitReady) {
      try {
        await waitFor(`${name} on ${port} to be ready`, async () => {
          if (!child.running) throw new Error(`${name} exited:\n${child.logs().slice(-4000)}`);
          const res = await fetch(`${url}/readyz`);
          return res.ok ? true : undefined;
        }, readyTimeoutMs);
      } catch (error) {
        // Never leave a half-started process behind (a fault campaign restarts during outages and tries again).
        await child.kill();
        throw error;
      }
    }
    return child;
  };
  const svc: ServiceProcess = {
    name,
    port,
    url,
    child: await launch(FIRST_READY_TIMEOUT_MS),
    async restart() {
      svc.child = await launch(RESTART_READY_TIMEOUT_MS);
    },
  };
  return svc;
}

export interface SystemOptions {
  hubs?: number;
  gateways?: number;
  /**
   * 3 (or more): a NATS cluster instead of one server (startNatsCluster), NATS_JS_REPLICAS = the
   * node count, and each service connecting to a different node first (all listed for failover).
   */
  natsNodes?: number;
  env?: Record<string, string>;
}

/** NATS, Postgres and every service as real processes on free loopback ports. */
export interface System {
  nats: NatsHandle;
  postgres: PostgresHandle;
  databaseUrl: string;
  env: Record<string, string>;
  auth: ServiceProcess;
  admin: ServiceProcess;
  gateways: ServiceProcess[];
  hubs: ServiceProcess[];
  gatewayUrl: string;
  adminUrl: string;
  operatorToken: string;
  logDir: string;
  stop(): Promise<void>;
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const logDir = mkdtempSync(join(tmpdir(), 'cf-logs-'));
  const clustered = (options.natsNodes ?? 1) > 1;
  const [nats, postgres] = await Promise.all([clustered ? startNatsCluster(options.natsNodes) : startNats(), startPostgres()]);
  const databaseUrl = await postgres.createDatabase('cloudflow');
  const operatorToken = randomBytes(24).toString('base64url');
  const hubPorts = await Promise.all(Array.from({ length: options.hubs ?? 1 }, () => freePort()));
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    DATABASE_URL: databaseUrl,
    AUTH_HASH_KEY: randomBytes(32).toString('base64url'),
    CLOUDFLOW_OPERATOR_TOKEN: operatorToken,
    HUB_PUBLIC_URL: `ws://127.0.0.1:${hubPorts[0]}/ws`,
    WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
    // Suites fire requests far faster than the sandbox's 10 a second; operator.e2e runs with the real default.
    SANDBOX_RATE_PER_SECOND: '1000',
    ...(clustered ? { NATS_JS_REPLICAS: String(options.natsNodes), NATS_SERVER_ORDER: 'listed' } : {}),
    ...options.env,
  };
  // Clustered: the k-th service started lists node k first, so services spread over the nodes.
  let nth = 0;
  const natsUrl = (): Record<string, string> => ('serversFrom' in nats ? { NATS_URL: (nats as { serversFrom(i: number): string }).serversFrom(nth++) } : {});
  const started: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.child.stop()));
    await Promise.all([nats.stop(), postgres.stop()]);
  };
  try {
    const auth = await startService('auth', withNatsUser(nats, 'auth', { ...env, ...natsUrl(), PORT: String(await freePort()) }), logDir);
    started.push(auth);
    const [admin, ...rest] = await Promise.all([
      startService('admin', withNatsUser(nats, 'admin', { ...env, ...natsUrl(), PORT: String(await freePort()) }), logDir),
      ...Array.from({ length: options.gateways ?? 1 }, async () => startService('gateway', withNatsUser(nats, 'gateway', { ...env, ...natsUrl(), PORT: String(await freePort()) }), logDir)),
      ...hubPorts.map((port) => startService('hub', withNatsUser(nats, 'hub', { ...env, ...natsUrl(), PORT: String(port) }), logDir)),
    ]);
    started.push(admin, ...rest);
    const gateways = rest.filter((s) => s.name === 'gateway');
    const hubs = rest.filter((s) => s.name === 'hub');
    return { nats, postgres, databaseUrl, env, auth, admin, gateways, hubs, gatewayUrl: gateways[0].url, adminUrl: admin.url, operatorToken, logDir, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
