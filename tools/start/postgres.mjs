// The embedded local Postgres: one cluster kept in .data/postgres across restarts, TCP only on
// 127.0.0.1, password (scram) logins for every role, the superuser included, so a service's
// own role (tools/start/db-roles.mjs) cannot be side-stepped by logging in as `postgres`.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartError } from './deps.mjs';
import { Proc } from './proc.mjs';
import { waitUntil } from './wait.mjs';

/** Postgres refuses to run as root: as root it runs as the `postgres` system user. */
export function postgresOwner() {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new StartError(
      'Running as root, but there is no `postgres` user to run Postgres as (apt-get install -y postgresql creates it).',
    );
  }
}

/**
 * .data/postgres in the checkout when the postgres user can reach it; otherwise (a checkout under
 * a private home directory, say) a folder in the system temp dir named after the checkout path.
 */
export function chooseDataDir(root, owner) {
  const dataRoot = join(root, '.data');
  const inCheckout = join(dataRoot, 'postgres');
  if (!owner) return inCheckout;
  if (!existsSync(dataRoot)) {
    mkdirSync(dataRoot, { recursive: true });
    chmodSync(dataRoot, 0o755);
  }
  // One probe as the postgres user answers "can it traverse every parent directory".
  const probe = spawnSync('test', ['-x', dataRoot], { uid: owner.uid, gid: owner.gid });
  if (probe.status === 0) return inCheckout;
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 8);
  const base = join(tmpdir(), `cloudflow-${hash}`);
  mkdirSync(base, { recursive: true });
  chmodSync(base, 0o755);
  const fallback = join(base, 'postgres');
  console.log(`The postgres user cannot enter ${root}: keeping the Postgres data in ${fallback} instead.`);
  return fallback;
}

/** initdb on first use only; a second `npm start` finds PG_VERSION and reuses the data. */
export function prepareCluster(bin, dataDir, owner, password) {
  mkdirSync(dataDir, { recursive: true });
  // A folder made by root (or left by an earlier non-root run) must belong to postgres.
  if (owner && statSync(dataDir).uid !== owner.uid)
    execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, dataDir]);
  chmodSync(dataDir, 0o700);
  if (existsSync(join(dataDir, 'PG_VERSION'))) return false;
  console.log(`Creating a Postgres cluster in ${dataDir}...`);
  // The superuser's password reaches initdb through a file only the postgres user can read.
  const pwfile = join(dataDir, '..', `.pwfile-${process.pid}`);
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const res = spawnSync(
    join(bin, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${pwfile}`,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-instructions',
    ],
    { uid: owner?.uid, gid: owner?.gid, encoding: 'utf8' },
  );
  rmSync(pwfile, { force: true });
  if (res.status !== 0) {
    throw new StartError(
      `initdb failed (exit ${res.status ?? res.signal}):\n${res.stdout ?? ''}${res.stderr ?? res.error?.message ?? ''}`,
    );
  }
  return true;
}

/** Starts the server, waits until it takes connections, creates the `cloudflow` database. */
/** A cluster made before roles had passwords trusts every TCP login: true when pg_hba.conf still says so. */
function trustsHostLogins(dataDir) {
  const file = join(dataDir, 'pg_hba.conf');
  return existsSync(file) && /^\s*host\S*\s+.*\strust\s*$/m.test(readFileSync(file, 'utf8'));
}

/** Gives `postgres` its password, switches every TCP login to scram and reloads (the upgrade of an old cluster). */
async function requirePasswords(client, dataDir, owner, password) {
  await client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(password)}`);
  const file = join(dataDir, 'pg_hba.conf');
  const conf = readFileSync(file, 'utf8').replace(/^(\s*host\S*\s+.*\s)trust(\s*)$/gm, '$1scram-sha-256$2');
  writeFileSync(file, conf);
  if (owner) chownSync(file, owner.uid, owner.gid);
  await client.query('SELECT pg_reload_conf()');
  console.log(
    "Postgres: TCP logins now need a password (the superuser's is PG_PASSWORD_POSTGRES in .data/secrets.json).",
  );
}

export async function startPostgres({ bin, dataDir, owner, port, password, logFile, onExit, register }) {
  const legacyTrust = trustsHostLogins(dataDir);
  const proc = new Proc(
    'postgres',
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    { uid: owner?.uid, gid: owner?.gid, cwd: dataDir, logFile },
  );
  register(proc);
  void proc.exited.then(() => onExit(proc));
  const { default: pg } = await import('pg');
  const connect = async (database) => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      database,
      connectionTimeoutMillis: 2000,
    });
    await client.connect();
    return client;
  };
  await waitUntil(
    'Postgres',
    async () => {
      if (!proc.running)
        throw Object.assign(new Error(`postgres exited:\n${proc.lastLines.join('\n')}`), { fatal: true });
      const client = await connect('postgres');
      await client.end();
      return true;
    },
    30_000,
  );
  const client = await connect('postgres');
  try {
    if (legacyTrust) await requirePasswords(client, dataDir, owner, password);
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'cloudflow'");
    if (!rowCount) {
      await client.query('CREATE DATABASE cloudflow');
      console.log('Created database cloudflow.');
    }
  } finally {
    await client.end();
  }
  return { proc, url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/cloudflow` };
}
