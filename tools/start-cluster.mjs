// `npm run start:cluster`: the production shape on this machine. 3 nats-server nodes (cluster
// routes, JetStream R3, TLS for clients from a local CA), Postgres, 2 × auth, 2 × admin,
// 2 × gateway, 3 × hub (each connected to a different NATS node first, all listed for
// failover), and HAProxy in front: :8080 → gateways, :8081 → admins, :8090 /ws → hubs, each
// health-checked on /readyz. Ctrl-C stops the balancer and services first, then NATS and Postgres.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ensureHaproxy,
  ensureNats,
  ensureNodeModules,
  ensurePostgresBin,
  StartError,
} from './start/deps.mjs';
import { chooseDataDir, postgresOwner, prepareCluster, startPostgres } from './start/postgres.mjs';
import { NATS_NODES, rotatedServers, startNatsCluster } from './start/nats-cluster.mjs';
import { renderHaproxyConfig, startHaproxy } from './start/haproxy.mjs';
import { ensureLocalTls } from './start/tls.mjs';
import { probeHost, startServiceProc, waitReady } from './start/services.mjs';
import { portInUse } from './start/wait.mjs';
import { printBox } from './start/banner.mjs';
import { databaseLogin, provisionDatabaseRoles } from './start/db-roles.mjs';
import { loadSecrets, natsLogin, renderAuthorization } from './start/secrets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, '.data');
const logDir = join(dataDir, 'logs');
const pidFile = join(dataDir, 'pids.json');

/** The replicas behind the balancer, on internal ports; the public ports are the balancer's. */
const REPLICAS = [
  { name: 'auth-1', app: 'auth', port: 18070, instance: 'auth-1' },
  { name: 'auth-2', app: 'auth', port: 18071, instance: 'auth-2' },
  { name: 'admin-1', app: 'admin', port: 18081, instance: 'admin-1' },
  { name: 'admin-2', app: 'admin', port: 18083, instance: 'admin-2' },
  { name: 'gateway-1', app: 'gateway', port: 18080, instance: 'gateway-1' },
  { name: 'gateway-2', app: 'gateway', port: 18082, instance: 'gateway-2' },
  { name: 'hub-1', app: 'hub', port: 18090, instance: 'hub-1' },
  { name: 'hub-2', app: 'hub', port: 18091, instance: 'hub-2' },
  { name: 'hub-3', app: 'hub', port: 18092, instance: 'hub-3' },
];
const BALANCER = [
  { name: 'gateways', port: 8080, app: 'gateway', balance: 'roundrobin' },
  { name: 'admins', port: 8081, app: 'admin', balance: 'roundrobin' },
  // Websockets are long-lived: a new one goes to the hub holding the fewest.
  { name: 'hubs', port: 8090, app: 'hub', balance: 'leastconn' },
];
const STATS_PORT = 8404;
const PG_PORT = 54329;

const infra = []; // nats-*, postgres: stopped last
const services = []; // balancer and replicas: stopped first
let shuttingDown = false;

function onUnexpectedExit(proc) {
  if (shuttingDown || proc.stopping) return;
  console.error(`\n${proc.name} exited unexpectedly (${proc.exitCode}). Its last log lines:`);
  for (const line of proc.lastLines.slice(-20)) console.error(`  ${line}`);
  console.error(`Stopping everything (a half-running system hides the real failure).`);
  void shutdown(1);
}

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  const running = (list) => list.filter((p) => p.running);
  if (running(services).length) console.log('\nStopping the balancer and services...');
  // Hubs drain (DRAIN_TIMEOUT_MS, 30 s): give them that plus a little before SIGKILL.
  await Promise.all(services.map((p) => p.stop('SIGTERM', p.name.startsWith('hub') ? 35_000 : 10_000)));
  if (running(infra).length) console.log('Stopping NATS and Postgres...');
  await Promise.all(infra.map((p) => p.stop('SIGINT', p.name === 'postgres' ? 20_000 : 10_000)));
  rmSync(pidFile, { force: true });
  if (infra.length) console.log('Stopped.');
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (!shuttingDown) return void shutdown(0);
    console.log('Already stopping; killing what is left.');
    for (const p of [...services, ...infra]) p.signal('SIGKILL');
  });
}
// As npm start: when npm (our parent) goes away, stop instead of leaving orphans nobody can Ctrl-C.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid && !shuttingDown) {
    console.log('The parent process (npm) is gone: stopping.');
    void shutdown(0);
  }
}, 1000).unref();
process.on('exit', () => {
  for (const p of [...services, ...infra]) p.signal('SIGKILL');
});

function writePids() {
  const pids = Object.fromEntries([...infra, ...services].map((p) => [p.name, p.pid]));
  writeFileSync(pidFile, JSON.stringify({ startedBy: process.pid, ...pids }, null, 2) + '\n');
}

async function main() {
  ensureNodeModules(root);
  const natsBin = ensureNats();
  const haproxyBin = ensureHaproxy();
  const externalDb = process.env.DATABASE_URL;
  const pgBin = externalDb ? undefined : ensurePostgresBin();
  const owner = externalDb ? undefined : postgresOwner();
  const host = process.env.HOST || '127.0.0.1';

  const wanted = [
    ...NATS_NODES.flatMap((n) => [
      [`${n.name}`, n.port],
      [`${n.name} monitor`, n.monitor],
      [`${n.name} routes`, n.route],
    ]),
    ...(externalDb ? [] : [['Postgres', PG_PORT]]),
    ...REPLICAS.map((s) => [s.name, s.port]),
    ...BALANCER.map((b) => [`balancer ${b.name}`, b.port]),
    ['balancer stats', STATS_PORT],
  ];
  const busy = [];
  for (const [what, port] of wanted) if (await portInUse(port)) busy.push(`${port} (${what})`);
  if (busy.length) {
    const previous = existsSync(pidFile)
      ? ` A previous npm start or start:cluster may still be running: see ${pidFile}.`
      : '';
    throw new StartError(`Ports already in use: ${busy.join(', ')}.${previous}`);
  }

  mkdirSync(join(dataDir, 'cluster'), { recursive: true });
  mkdirSync(logDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  const { secrets, sources } = loadSecrets(dataDir);
  const tls = ensureLocalTls(join(dataDir, 'cluster', 'tls'));

  console.log('Building (node tools/build.mjs)...');
  const build = spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0)
    throw new StartError(`The build failed (exit ${build.status ?? build.signal}); nothing was started.`);

  console.log(
    `Starting 3 nats-server nodes on 127.0.0.1:${NATS_NODES.map((n) => n.port).join(', ')} (TLS, JetStream R3)...`,
  );
  const nats = await startNatsCluster({
    bin: natsBin,
    dataDir,
    logDir,
    authorization: renderAuthorization(root, secrets),
    tls,
    onExit: onUnexpectedExit,
    register: (p) => infra.push(p),
  });

  let databaseUrl = externalDb;
  let pgData;
  if (!externalDb) {
    pgData = chooseDataDir(root, owner);
    prepareCluster(pgBin, pgData, owner, secrets.PG_PASSWORD_POSTGRES);
    console.log(`Starting Postgres on 127.0.0.1:${PG_PORT} (data: ${pgData})...`);
    const pg = await startPostgres({
      bin: pgBin,
      dataDir: pgData,
      owner,
      port: PG_PORT,
      password: secrets.PG_PASSWORD_POSTGRES,
      logFile: join(logDir, 'postgres.log'),
      onExit: onUnexpectedExit,
      register: (p) => infra.push(p),
    });
    databaseUrl = pg.url;
  }
  writePids();
  // The owner's URL stays here: each service gets its own role's (auth, admin, gateway).
  const databaseUrls = await provisionDatabaseRoles(root, databaseUrl, secrets);

  const env = {
    ...process.env,
    AUTH_HASH_KEY: secrets.AUTH_HASH_KEY,
    CLOUDFLOW_OPERATOR_TOKEN: secrets.CLOUDFLOW_OPERATOR_TOKEN,
    // connectionUrl points at the balancer, never at one hub.
    HUB_PUBLIC_URL: 'ws://localhost:8090/ws',
    WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
    NATS_JS_REPLICAS: '3',
    // Each replica's NATS_URL lists a different node first: keep that order (nats.js shuffles).
    NATS_SERVER_ORDER: 'listed',
    NATS_TLS_CA: tls.ca,
    HOST: host,
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    // Exactly one proxy (HAProxy, `option forwardfor`) stands in front of the gateways and admins:
    // the client address is the last X-Forwarded-For entry, never one a client wrote itself.
    TRUST_PROXY: process.env.TRUST_PROXY || '1',
  };
  delete env.DATABASE_URL; // an external owner URL never reaches a service
  const deadline = Date.now() + 90_000;
  const launch = (svc) => {
    const index = REPLICAS.indexOf(svc);
    const natsEnv = {
      NATS_URL: rotatedServers(nats.servers, index),
      ...natsLogin(secrets, svc),
      ...databaseLogin(databaseUrls, svc),
    };
    const proc = startServiceProc(root, svc, index, { ...env, ...natsEnv }, logDir);
    services.push(proc);
    void proc.exited.then(() => onUnexpectedExit(proc));
    return { svc, proc };
  };
  // auth first: the others verify tokens against it.
  await waitReady(REPLICAS.filter((s) => s.app === 'auth').map(launch), host, deadline);
  if (shuttingDown) return;
  const others = REPLICAS.filter((s) => s.app !== 'auth').map(launch);
  writePids();
  await waitReady(others, host, deadline);
  if (shuttingDown) return;

  console.log('Starting the balancer (HAProxy)...');
  await startHaproxy({
    bin: haproxyBin,
    dataDir,
    logDir,
    config: renderHaproxyConfig({
      host,
      statsPort: STATS_PORT,
      frontends: BALANCER.map((b) => ({ ...b, servers: REPLICAS.filter((s) => s.app === b.app) })),
    }),
    readyUrls: BALANCER.map((b) => `http://${probeHost(host)}:${b.port}/readyz`),
    onExit: onUnexpectedExit,
    register: (p) => services.unshift(p),
  });
  writePids();
  const hubs = REPLICAS.filter((s) => s.app === 'hub');
  printBox({
    ports: {},
    databaseUrl,
    externalDb: Boolean(externalDb),
    pgData,
    secrets,
    sources,
    root,
    cluster: {
      lines: [
        'hubs      ws://localhost:8090/ws   (balancer → hub-1..3)',
        `          replicas ${hubs.map((h) => h.port).join(' ')}`,
        'balancer  HAProxy: 8080 → gateway-1,2  8081 → admin-1,2  8090 → hub-1,2,3',
        `          stats http://127.0.0.1:${STATS_PORT}/   health check /readyz every 1 s`,
        'auth      http://localhost:18070/healthz  :18071   (its API is NATS only)',
        `NATS      ${nats.servers.join(' ')}  (TLS, CA .data/cluster/tls/ca.pem)`,
        `          monitor ${NATS_NODES.map((n) => `http://127.0.0.1:${n.monitor}`).join(' ')}`,
      ],
    },
  });
}

main().catch(async (error) => {
  console.error(`\nnpm run start:cluster failed: ${error.message}`);
  if (error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError)
    console.error(error.stack);
  await shutdown(1);
});
