import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Child } from './child';
import { freePort, waitFor } from './ports';

export interface PostgresHandle {
  port: number;
  /** The superuser `postgres`'s password: TCP logins need one (scram), so a service role's password means something. */
  password: string;
  /** URL of a fresh database on this server. */
  createDatabase(name?: string): Promise<string>;
  child: Child;
  /** Stop (fast shutdown) and start again on the same data and port: an outage for fault tests. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
  /** How this cluster commits (see PostgresDurability). */
  durability: PostgresDurability;
}

/**
 * `test` (the default): fsync, synchronous_commit and full_page_writes off — a commit costs no
 * disk flush, which keeps suites fast but flatters every benchmark. `production`: Postgres's own
 * defaults (all three on), so a benchmark can show what a durable commit costs.
 */
export type PostgresDurability = 'test' | 'production';

export interface PostgresOptions {
  durability?: PostgresDurability;
}

/** The `-c` settings of each durability (max_connections and the listen address come on top). */
export function durabilitySettings(durability: PostgresDurability): string[] {
  return durability === 'production' ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
}

/** Debian's server binaries, newest version first; PG_BIN overrides. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin/initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(base, versions[0], 'bin');
  }
  throw new Error('Postgres server binaries not found: apt-get install -y postgresql (or set PG_BIN)');
}

/** Postgres refuses to run as root: as root, run it as the `postgres` system user. */
export function postgresUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/** A throwaway Postgres cluster on a free loopback port (about two seconds). */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresHandle> {
  const durability = options.durability ?? 'test';
  const bin = postgresBinDir();
  const owner = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'cf-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  // Password (scram) over TCP for every role, the superuser included; the socket (unused by clients) stays trust.
  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      `--pwfile=${pwfile}`,
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ],
    {
      stdio: 'ignore',
      ...(owner ?? {}),
    },
  );
  rmSync(pwfile);
  const port = await freePort();
  let dbCount = 0;
  const launch = async () => {
    const child = Child.start(
      'postgres',
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        ...durabilitySettings(durability).flatMap((c) => ['-c', c]),
        '-c',
        'max_connections=300',
      ],
      join(tmpdir(), `${dir.split('/').pop()}.log`),
      owner ?? {},
    );
    await waitFor('postgres', async () => {
      if (!child.running) throw new Error(`postgres exited:\n${child.logs()}`);
      const client = new Client({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password,
        database: 'postgres',
      });
      await client.connect();
      await client.end();
      return true;
    });
    return child;
  };
  const handle: PostgresHandle = {
    port,
    durability,
    password,
    child: await launch(),
    async createDatabase(name = `t${process.pid}_${++dbCount}`) {
      const client = new Client({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password,
        database: 'postgres',
      });
      await client.connect();
      await client.query(`CREATE DATABASE "${name}"`);
      await client.end();
      return `postgres://postgres:${password}@127.0.0.1:${port}/${name}`;
    },
    async stopServer() {
      await handle.child.stop('SIGINT', 10_000);
    },
    async startServer() {
      handle.child = await launch();
    },
    async stop() {
      await handle.child.stop('SIGINT', 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
