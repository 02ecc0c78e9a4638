// The secrets `npm start` and `npm run start:cluster` share: taken from the environment when set,
// otherwise generated once into .data/secrets.json (0600), so restarts keep every hash and token.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The NATS users (libs/platform nats-permissions.ts natsUserNames: auth, admin, gateway and one
 * per hub process, hub-1 … hub-8) and their secrets.json keys (NATS_PASSWORD_HUB_2, …).
 */
export const HUB_SLOTS = 8;
export const NATS_USERS = [
  'auth',
  'admin',
  'gateway',
  ...Array.from({ length: HUB_SLOTS }, (_, k) => `hub-${k + 1}`),
];
export const natsPasswordKey = (user) => `NATS_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
/** Postgres logins with a generated password: the superuser of the embedded cluster, then one role per service that keeps data. */
export const PG_LOGINS = ['postgres', 'auth', 'admin', 'gateway'];
export const pgPasswordKey = (login) => `PG_PASSWORD_${login.toUpperCase()}`;
/** The NATS login of a service process: its service's user; a hub logs in as its own name (hub-1, hub-2, …). */
export function natsLogin(secrets, svc) {
  const user = svc.app === 'hub' ? svc.name : svc.app;
  return { NATS_USER: user, NATS_PASSWORD: secrets[natsPasswordKey(user)] };
}

/** From the environment when set; otherwise generated once and kept in <dataDir>/secrets.json (0600). */
export function loadSecrets(dataDir) {
  const file = join(dataDir, 'secrets.json');
  let stored = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8'));
  const makers = {
    AUTH_HASH_KEY: () => randomBytes(32).toString('base64url'),
    CLOUDFLOW_OPERATOR_TOKEN: () => randomBytes(24).toString('base64url'),
    // Each service's NATS password: the server refuses anonymous connections.
    ...Object.fromEntries(
      NATS_USERS.map((s) => [natsPasswordKey(s), () => randomBytes(24).toString('base64url')]),
    ),
    // The embedded Postgres's superuser, and each service's own database role (tools/start/db-roles.mjs).
    ...Object.fromEntries(
      PG_LOGINS.map((s) => [pgPasswordKey(s), () => randomBytes(24).toString('base64url')]),
    ),
  };
  const secrets = {};
  const sources = {};
  let changed = false;
  for (const [key, make] of Object.entries(makers)) {
    if (process.env[key]) {
      secrets[key] = process.env[key];
      sources[key] = `$${key}`;
      continue;
    }
    if (!stored[key]) {
      stored[key] = make();
      changed = true;
    }
    secrets[key] = stored[key];
    sources[key] = '.data/secrets.json';
  }
  if (changed) writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  if (existsSync(file)) chmodSync(file, 0o600);
  return { secrets, sources };
}

/** The authorization block generated from the permission table in the build, passwords from `secrets`. */
export function renderAuthorization(root, secrets) {
  const require = createRequire(import.meta.url);
  const { natsServiceUsers, renderNatsAuthorization } = require(
    join(root, 'dist/libs/platform/src/nats/nats-server-config.js'),
  );
  return renderNatsAuthorization(natsServiceUsers((user) => secrets[natsPasswordKey(user)], HUB_SLOTS));
}

/**
 * <dataDir>/nats.conf (0600): the authorization block (one user per service, its
 * publish/subscribe allow-lists), passwords from secrets.json.
 */
export function writeNatsConfig(root, dataDir, secrets) {
  const file = join(dataDir, 'nats.conf');
  writeFileSync(file, renderAuthorization(root, secrets), { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
