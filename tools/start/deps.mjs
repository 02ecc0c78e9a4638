// What a fresh machine may lack: node_modules, nats-server, the Postgres server binaries.
// Installs them where it safely can (root with apt-get), otherwise says exactly what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export class StartError extends Error {}

const isRoot = () => process.getuid?.() === 0;
const hasAptGet = () => existsSync('/usr/bin/apt-get');
let aptUpdated = false;

function run(cmd, args, options = {}) {
  console.log(`$ ${[cmd, ...args].join(' ')}`);
  const res = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (res.status !== 0)
    throw new StartError(`"${[cmd, ...args].join(' ')}" failed (exit ${res.status ?? res.signal})`);
}

function aptInstall(pkg, why) {
  if (!isRoot() || !hasAptGet()) {
    throw new StartError(`${why} Install it first: sudo apt-get install -y ${pkg}`);
  }
  console.log(`${why} Installing the Debian package ${pkg}...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) run('apt-get', ['update'], { env });
  aptUpdated = true;
  run('apt-get', ['install', '-y', pkg], { env });
}

export function ensureNodeModules(root) {
  if (existsSync(join(root, 'node_modules'))) return;
  console.log('node_modules is missing: running npm ci (about a minute)...');
  run('npm', ['ci'], { cwd: root, env: { ...process.env, SCARF_ANALYTICS: 'false', NX_NO_CLOUD: 'true' } });
}

// The same search order as libs/testing, so `npm start` and the tests use one binary.
function findNats() {
  for (const candidate of [
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
    process.env.NATS_SERVER_BIN,
  ]) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* try the next */
    }
  }
  return undefined;
}

export function ensureNats() {
  const found = findNats();
  if (found) return found;
  aptInstall(
    'nats-server',
    'nats-server was not found (looked in /usr/sbin, /usr/bin, /usr/local/bin and $NATS_SERVER_BIN).',
  );
  const installed = findNats();
  if (!installed)
    throw new StartError(
      'nats-server is still missing after apt-get install; set NATS_SERVER_BIN to its path.',
    );
  return installed;
}

// Debian's server binaries, newest major version first; PG_BIN overrides (as in libs/testing).
function findPostgresBin() {
  if (process.env.PG_BIN)
    return existsSync(join(process.env.PG_BIN, 'initdb')) ? process.env.PG_BIN : undefined;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin/initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
}

export function ensurePostgresBin() {
  const found = findPostgresBin();
  if (found) return found;
  aptInstall(
    'postgresql',
    'The Postgres server binaries (/usr/lib/postgresql/<version>/bin/initdb) were not found.',
  );
  const installed = findPostgresBin();
  if (!installed)
    throw new StartError(
      'Postgres binaries still missing after apt-get install; set PG_BIN or DATABASE_URL.',
    );
  return installed;
}

/** HAProxy for `npm run start:cluster` (Debian's package), installed when missing and root. */
export function ensureHaproxy() {
  const find = () =>
    ['/usr/sbin/haproxy', '/usr/bin/haproxy', process.env.HAPROXY_BIN].find((c) => c && existsSync(c));
  const found = find();
  if (found) return found;
  aptInstall('haproxy', 'HAProxy (the load balancer of start:cluster) was not found.');
  const installed = find();
  if (!installed)
    throw new StartError('haproxy is still missing after apt-get install; set HAPROXY_BIN to its path.');
  return installed;
}
