import type { BaseConfig } from '../config/base.config';
import { natsInboxPrefix } from './nats-permissions';

/** How a service logs in to NATS (BaseConfig's NATS_USER, NATS_PASSWORD, NATS_TLS_*). */
export interface NatsAuth {
  user?: string;
  pass?: string;
  /** PEM files: the CA that signed the servers' certificates, and an optional client certificate. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Reply subjects under this prefix (natsInboxPrefix): the server lets each service read only its own. */
  inboxPrefix?: string;
  /** Try the servers in the listed order (NATS_SERVER_ORDER=listed) instead of shuffling them. */
  noRandomize?: boolean;
}

/** The credentials and reply prefix of `service` from its validated config. */
export function natsAuth(config: BaseConfig, service: string): NatsAuth {
  const tls =
    config.NATS_TLS_CA || config.NATS_TLS_CERT
      ? { caFile: config.NATS_TLS_CA, certFile: config.NATS_TLS_CERT, keyFile: config.NATS_TLS_KEY }
      : undefined;
  return {
    ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD } : {}),
    ...(tls ? { tls } : {}),
    inboxPrefix: natsInboxPrefix(service),
    ...(config.NATS_SERVER_ORDER === 'listed' ? { noRandomize: true } : {}),
  };
}

/**
 * Servers of a NATS_URL (comma separated) without any `user:password@`, and those credentials.
 * nats.js ignores credentials in a URL (and misreads a password starting with digits as the
 * port), so they are taken out here; an explicit NATS_USER wins over them.
 */
export function splitNatsUrl(url: string): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = url.split(',').map((raw) => {
    const s = raw.trim();
    const m = /^([a-z]+:\/\/)?([^@/]*)@(.*)$/i.exec(s);
    if (!m) return s;
    const colon = m[2].indexOf(':');
    const name = colon < 0 ? m[2] : m[2].slice(0, colon);
    const password = colon < 0 ? undefined : m[2].slice(colon + 1);
    user ??= decodeURIComponent(name);
    if (password !== undefined) pass ??= decodeURIComponent(password);
    return `${m[1] ?? ''}${m[3]}`;
  });
  return { servers, ...(user ? { user, pass } : {}) };
}

/**
 * Connection options shared by every NATS link: never give up reconnecting, and do not fail
 * start-up when NATS is not there yet (a NATS outage degrades a service, never kills it).
 * `noAsyncTraces`: nats.js otherwise builds an Error (a captured stack) for every request, just
 * in case it times out; on the relay's hot path that was ~5% of a hub's CPU (bench profile).
 */
export function natsConnectionOptions(url: string, name: string, auth: NatsAuth = {}) {
  const { servers, user, pass } = splitNatsUrl(url);
  const login = auth.user ? { user: auth.user, pass: auth.pass } : user ? { user, pass } : {};
  return {
    servers,
    name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 5000,
    maxPingOut: 2,
    noAsyncTraces: true,
    ...login,
    ...(auth.tls ? { tls: auth.tls } : {}),
    ...(auth.inboxPrefix ? { inboxPrefix: auth.inboxPrefix } : {}),
    ...(auth.noRandomize ? { noRandomize: true } : {}),
  };
}
