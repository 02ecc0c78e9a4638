import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DATABASE_SERVICES,
  provisionServiceRoles,
  serviceDatabaseUrl,
  type DatabaseServiceName,
} from '@cloudflow/platform';
import { Child } from './child';
import { startNatsCluster, type NatsClusterHandle } from './nats-cluster';
import { startNats, type NatsHandle } from './nats-server';
import { freePort, waitFor } from './ports';
import { startPostgres, type PostgresDurability, type PostgresHandle } from './postgres';

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
export function withNatsUser(
  nats: NatsHandle,
  name: ServiceName,
  env: Record<string, string>,
): Record<string, string> {
  return { ...env, ...nats.serviceEnv(name) };
}

/**
 * `CLOUDFLOW_CPU_PROF=gateway,hub CLOUDFLOW_CPU_PROF_DIR=/tmp/prof`, or `CLOUDFLOW_CPU_PROF_<SERVICE>=<dir>`
 * for one service (in the environment of the test or bench, or the service's env): those services
 * run with `--cpu-prof`, the profile (`<service>-<port>-<pid>-<ms>.cpuprofile`, the port telling replicas apart) written when they stop cleanly (SIGTERM). On the command line,
 * not NODE_OPTIONS, so only the service itself is profiled.
 */
function cpuProfileArgs(name: ServiceName, env: Record<string, string | undefined>): string[] {
  const wanted = (env.CLOUDFLOW_CPU_PROF ?? '').split(',').map((s) => s.trim());
  const dir =
    env[`CLOUDFLOW_CPU_PROF_${name.toUpperCase()}`] ??
    (wanted.includes(name) ? (env.CLOUDFLOW_CPU_PROF_DIR ?? join(tmpdir(), 'cf-cpu-prof')) : undefined);
  if (!dir) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-name=${name}-${env.PORT ?? 'x'}-${process.pid}-${Date.now()}.cpuprofile`,
  ];
}
/**
 * `CLOUDFLOW_NODE_FLAGS="--perf-basic-prof"` (every service) or `CLOUDFLOW_NODE_FLAGS_<SERVICE>`:
 * extra Node/V8 flags on the service's command line, for profiling with tools that need them
 * (`perf` reads JS frames from `--perf-basic-prof`'s map); NODE_OPTIONS refuses most V8 flags.
 */
function extraNodeFlags(name: ServiceName, env: Record<string, string | undefined>): string[] {
  const flags = env[`CLOUDFLOW_NODE_FLAGS_${name.toUpperCase()}`] ?? env.CLOUDFLOW_NODE_FLAGS ?? '';
  return flags.split(/\s+/).filter((f) => f.startsWith('--'));
}
/** A restart waits this long (a fault campaign restarts during outages and tries again). */
const RESTART_READY_TIMEOUT_MS = 30_000;
/**
 * The first start of a system: seven services starting at once on two shared cores (a cluster
 * spec) were seen taking over 30 s before their first log line; merely slow must not fail a spec.
 */
const FIRST_READY_TIMEOUT_MS = 90_000;

/** Starts one built service as a real process and waits for its /readyz. */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  logDir: string,
  waitReady = true,
): Promise<ServiceProcess> {
  const port = Number(env.PORT);
  const url = `http://127.0.0.1:${port}`;
  const merged: Record<string, string | undefined> = {
    ...process.env,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  const launch = async (readyTimeoutMs: number) => {
    const child = Child.start(
      name,
      process.execPath,
      [
        '--enable-source-maps',
        ...extraNodeFlags(name, merged),
        ...cpuProfileArgs(name, merged),
        serviceEntry(name),
      ],
      join(logDir, `${name}-${port}.log`),
      {
        env: merged,
      },
    );
    if (waitReady) {
      try {
        await waitFor(
          `${name} on ${port} to be ready`,
          async () => {
            if (!child.running) throw new Error(`${name} exited:\n${child.logs().slice(-4000)}`);
            const res = await fetch(`${url}/readyz`);
            return res.ok ? true : undefined;
          },
          process.env.CLOUDFLOW_READY_TIMEOUT_MS
            ? Number(process.env.CLOUDFLOW_READY_TIMEOUT_MS)
            : readyTimeoutMs,
        );
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
  /** With natsNodes > 1: clients speak TLS to NATS (a local CA; NATS_TLS_CA for every service). */
  natsTls?: boolean;
  /** Replicas of auth and admin (default 1 each); `auth`/`admin` are the first of them. */
  auths?: number;
  admins?: number;
  env?: Record<string, string>;
  /** `production`: Postgres with fsync and synchronous_commit on (default `test`: both off, see startPostgres). */
  postgresDurability?: PostgresDurability;
}

/** NATS, Postgres and every service as real processes on free loopback ports. */
export interface System {
  nats: NatsHandle;
  postgres: PostgresHandle;
  /** The database owner's (superuser's) URL: for a test's own queries, never given to a service. */
  databaseUrl: string;
  /** Each service's own DATABASE_URL: its own role and password, owner of its schema only. */
  databaseUrls: Record<DatabaseServiceName, string>;
  env: Record<string, string>;
  auth: ServiceProcess;
  admin: ServiceProcess;
  auths: ServiceProcess[];
  admins: ServiceProcess[];
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
  const [nats, postgres] = await Promise.all([
    clustered ? startNatsCluster(options.natsNodes, { tls: options.natsTls }) : startNats(),
    startPostgres({ durability: options.postgresDurability }),
  ]);
  const databaseUrl = await postgres.createDatabase('cloudflow');
  const databaseUrls = Object.fromEntries(
    DATABASE_SERVICES.map((name) => [
      name,
      serviceDatabaseUrl(databaseUrl, name, randomBytes(18).toString('base64url')),
    ]),
  ) as Record<DatabaseServiceName, string>;
  await provisionServiceRoles(databaseUrl, databaseUrls);
  const operatorToken = randomBytes(24).toString('base64url');
  const hubPorts = await Promise.all(Array.from({ length: options.hubs ?? 1 }, () => freePort()));
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    AUTH_HASH_KEY: randomBytes(32).toString('base64url'),
    CLOUDFLOW_OPERATOR_TOKEN: operatorToken,
    HUB_PUBLIC_URL: `ws://127.0.0.1:${hubPorts[0]}/ws`,
    WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
    // Suites fire requests far faster than the sandbox's 10 a second; operator.e2e runs with the real default.
    SANDBOX_RATE_PER_SECOND: '1000',
    // Every suite signs its tenants up from 127.0.0.1; security.e2e runs with the real per-address limits.
    SIGNUP_FREE_PER_ADDRESS: '10000',
    SIGNUP_LOCKOUT_PER_ADDRESS: '20000',
    ...(clustered ? { NATS_JS_REPLICAS: String(options.natsNodes), NATS_SERVER_ORDER: 'listed' } : {}),
    ...((nats as Partial<NatsClusterHandle>).tls ? { NATS_TLS_CA: (nats as NatsClusterHandle).tls!.ca } : {}),
    ...options.env,
  };
  // Clustered: the k-th service started lists node k first, so services spread over the nodes.
  let nth = 0;
  const natsUrl = (): Record<string, string> =>
    'serversFrom' in nats
      ? { NATS_URL: (nats as { serversFrom(i: number): string }).serversFrom(nth++) }
      : {};
  // options.env may still name one DATABASE_URL for every service (a test of the single-owner set-up).
  const dbUrl = (name: ServiceName): Record<string, string> =>
    name !== 'hub' && !options.env?.DATABASE_URL ? { DATABASE_URL: databaseUrls[name] } : {};
  const started: ServiceProcess[] = [];
  // A profiled service writes its (large) profile while exiting: give it time before the SIGKILL.
  const profiling = Object.keys({ ...process.env, ...env }).some((k) => k.startsWith('CLOUDFLOW_CPU_PROF'));
  const stop = async () => {
    await Promise.all(started.map((s) => s.child.stop('SIGTERM', profiling ? 60_000 : undefined)));
    await Promise.all([nats.stop(), postgres.stop()]);
  };
  try {
    const replicas = (name: ServiceName, n: number) =>
      Array.from({ length: n }, async () =>
        startService(
          name,
          withNatsUser(nats, name, { ...env, ...dbUrl(name), ...natsUrl(), PORT: String(await freePort()) }),
          logDir,
        ),
      );
    const auths = await Promise.all(replicas('auth', options.auths ?? 1));
    started.push(...auths);
    const auth = auths[0];
    const rest = await Promise.all([
      ...replicas('admin', options.admins ?? 1),
      ...Array.from({ length: options.gateways ?? 1 }, async () =>
        startService(
          'gateway',
          withNatsUser(nats, 'gateway', {
            ...env,
            ...dbUrl('gateway'),
            ...natsUrl(),
            PORT: String(await freePort()),
          }),
          logDir,
        ),
      ),
      ...hubPorts.map((port) =>
        startService('hub', withNatsUser(nats, 'hub', { ...env, ...natsUrl(), PORT: String(port) }), logDir),
      ),
    ]);
    started.push(...rest);
    const admins = rest.filter((s) => s.name === 'admin');
    const admin = admins[0];
    const gateways = rest.filter((s) => s.name === 'gateway');
    const hubs = rest.filter((s) => s.name === 'hub');
    return {
      nats,
      postgres,
      databaseUrl,
      databaseUrls,
      env,
      auth,
      admin,
      auths,
      admins,
      gateways,
      hubs,
      gatewayUrl: gateways[0].url,
      adminUrl: admin.url,
      operatorToken,
      logDir,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
