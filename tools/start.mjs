// `npm start`: the whole CloudFlow system on this machine, from a fresh clone.
// nats-server and an embedded Postgres (data kept in .data/), a build, then auth, admin, gateway
// and two hubs from dist/. Ctrl-C stops the services first, then NATS and Postgres.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNats, ensureNodeModules, ensurePostgresBin, StartError } from './start/deps.mjs';
import { chooseDataDir, postgresOwner, prepareCluster, startPostgres } from './start/postgres.mjs';
import { startNats } from './start/nats.mjs';
import { SERVICES, startServiceProc, waitReady } from './start/services.mjs';
import { portInUse } from './start/wait.mjs';
import { printBox } from './start/banner.mjs';
import { databaseLogin, provisionDatabaseRoles } from './start/db-roles.mjs';
import { loadSecrets, natsLogin, writeNatsConfig } from './start/secrets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, '.data');
const logDir = join(dataDir, 'logs');
const pidFile = join(dataDir, 'pids.json');

const infra = []; // nats, postgres: stopped last
const services = []; // stopped first
let shuttingDown = false;

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new StartError(`${name}=${raw} is not a port number`);
  return port;
}

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
  if (running(services).length) console.log('\nStopping services...');
  await Promise.all(services.map((p) => p.stop('SIGTERM', 10_000)));
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
// `kill <npm pid>` ends npm and its `sh -c` but not this script: when our parent goes away, we
// stop too instead of leaving a system running that nobody can Ctrl-C.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid && !shuttingDown) {
    console.log('The parent process (npm) is gone: stopping.');
    void shutdown(0);
  }
}, 1000).unref();
// Last resort when this script dies of an error: leave no orphan behind.
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
  const externalDb = process.env.DATABASE_URL;
  const pgBin = externalDb ? undefined : ensurePostgresBin();
  const owner = externalDb ? undefined : postgresOwner();
  const host = process.env.HOST || '127.0.0.1';
  const ports = {
    nats: intFromEnv('NATS_PORT', 4222),
    monitor: intFromEnv('NATS_MONITOR_PORT', 8222),
    pg: intFromEnv('PG_PORT', 54329),
  };

  const wanted = [
    ['NATS', ports.nats],
    ['NATS monitor', ports.monitor],
    ...(externalDb ? [] : [['Postgres', ports.pg]]),
    ...SERVICES.map((s) => [s.name, s.port]),
  ];
  const busy = [];
  for (const [what, port] of wanted) if (await portInUse(port)) busy.push(`${port} (${what})`);
  if (busy.length) {
    const previous = existsSync(pidFile) ? ` A previous npm start may still be running: see ${pidFile}.` : '';
    throw new StartError(
      `Ports already in use: ${busy.join(', ')}.${previous} Stop whatever holds them (NATS_PORT, NATS_MONITOR_PORT and PG_PORT move the infrastructure).`,
    );
  }

  mkdirSync(logDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  const { secrets, sources } = loadSecrets(dataDir);

  console.log('Building (node tools/build.mjs)...');
  const build = spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0)
    throw new StartError(`The build failed (exit ${build.status ?? build.signal}); nothing was started.`);

  console.log(`Starting nats-server on 127.0.0.1:${ports.nats}...`);
  const nats = await startNats({
    bin: natsBin,
    configFile: writeNatsConfig(root, dataDir, secrets),
    port: ports.nats,
    monitorPort: ports.monitor,
    dataDir,
    logFile: join(logDir, 'nats.log'),
    onExit: onUnexpectedExit,
    register: (p) => infra.push(p),
  });

  let databaseUrl = externalDb;
  let pgData;
  if (!externalDb) {
    pgData = chooseDataDir(root, owner);
    prepareCluster(pgBin, pgData, owner, secrets.PG_PASSWORD_POSTGRES);
    console.log(`Starting Postgres on 127.0.0.1:${ports.pg} (data: ${pgData})...`);
    const pg = await startPostgres({
      bin: pgBin,
      dataDir: pgData,
      owner,
      port: ports.pg,
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
    NATS_URL: nats.url,
    AUTH_HASH_KEY: secrets.AUTH_HASH_KEY,
    CLOUDFLOW_OPERATOR_TOKEN: secrets.CLOUDFLOW_OPERATOR_TOKEN,
    HUB_PUBLIC_URL: 'ws://localhost:8090/ws',
    WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
    HOST: host,
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
  };
  delete env.DATABASE_URL; // an external owner URL never reaches a service
  // 60 s for every service to be ready; auth first, since the others verify tokens against it.
  const deadline = Date.now() + 60_000;
  const launch = (svc) => {
    // Each service logs in to NATS as its own user (each hub as its own).
    const proc = startServiceProc(
      root,
      svc,
      SERVICES.indexOf(svc),
      { ...env, ...natsLogin(secrets, svc), ...databaseLogin(databaseUrls, svc) },
      logDir,
    );
    services.push(proc);
    void proc.exited.then(() => onUnexpectedExit(proc));
    return { svc, proc };
  };
  const [authSvc, ...rest] = SERVICES;
  await waitReady([launch(authSvc)], host, deadline);
  if (shuttingDown) return;
  const others = rest.map(launch);
  writePids();
  await waitReady(others, host, deadline);
  if (shuttingDown) return;
  printBox({ ports, databaseUrl, externalDb: Boolean(externalDb), pgData, secrets, sources, root });
}

main().catch(async (error) => {
  console.error(`\nnpm start failed: ${error.message}`);
  // A bug in this script deserves its stack; an environment problem only its message.
  if (error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError)
    console.error(error.stack);
  await shutdown(1);
});
