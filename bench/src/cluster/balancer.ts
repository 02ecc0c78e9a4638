import { Child, freePort, waitFor, type ServiceProcess } from '@cloudflow/testing';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** HAProxy in front of a clustered system's replicas, as `npm run start:cluster` runs it. */
export interface Balancer {
  child: Child;
  gatewayUrl: string;
  adminUrl: string;
  hubUrl: string;
  stop(): Promise<void>;
}

export function haproxyBinary(): string {
  for (const candidate of [process.env.HAPROXY_BIN, '/usr/sbin/haproxy', '/usr/bin/haproxy'])
    if (candidate && existsSync(candidate)) return candidate;
  throw new Error('haproxy not found: apt-get install -y haproxy (or set HAPROXY_BIN)');
}

interface Frontend {
  name: string;
  port: number;
  balance: 'roundrobin' | 'leastconn';
  servers: ServiceProcess[];
}

/**
 * The same settings as tools/start/haproxy.mjs (health check /readyz every 1 s, websocket tunnel
 * timeout, redispatch), on free loopback ports; one thread, since the benchmark gives the whole
 * system one core (a second thread on the same core only adds handoffs).
 */
function renderConfig(frontends: Frontend[]): string {
  const lines = [
    'global',
    '  maxconn 8000',
    '  nbthread 1',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 3s',
    '  timeout client 75s',
    '  timeout server 75s',
    '  timeout tunnel 1h',
    '  timeout http-request 10s',
    '  option redispatch',
    '  retries 2',
    '  option forwardfor',
    '  default-server inter 1s fall 2 rise 2',
  ];
  for (const fe of frontends) {
    lines.push('', `frontend ${fe.name}`, `  bind 127.0.0.1:${fe.port}`, `  default_backend ${fe.name}`);
    lines.push('', `backend ${fe.name}`, `  balance ${fe.balance}`, '  option httpchk GET /readyz');
    lines.push('  http-check expect status 200');
    fe.servers.forEach((s, i) => lines.push(`  server ${fe.name}-${i + 1} 127.0.0.1:${s.port} check`));
  }
  return lines.join('\n') + '\n';
}

export interface BalancerPorts {
  gateway: number;
  admin: number;
  hub: number;
}

/** Chosen before the system starts: the hubs' HUB_PUBLIC_URL (an enrol's connectionUrl) names the balancer. */
export async function balancerPorts(): Promise<BalancerPorts> {
  return { gateway: await freePort(), admin: await freePort(), hub: await freePort() };
}

export const balancerHubUrl = (ports: BalancerPorts) => `ws://127.0.0.1:${ports.hub}/ws`;

/** Starts HAProxy for the gateways, admins and hubs; resolves once every frontend answers /readyz. */
export async function startBalancer(
  replicas: { gateways: ServiceProcess[]; admins: ServiceProcess[]; hubs: ServiceProcess[] },
  ports: BalancerPorts,
  logDir: string,
): Promise<Balancer> {
  const frontends: Frontend[] = [
    { name: 'gateways', port: ports.gateway, balance: 'roundrobin', servers: replicas.gateways },
    { name: 'admins', port: ports.admin, balance: 'roundrobin', servers: replicas.admins },
    // Websockets are long-lived: a new one goes to the hub holding the fewest (as start:cluster).
    { name: 'hubs', port: ports.hub, balance: 'leastconn', servers: replicas.hubs },
  ];
  const config = join(logDir, 'haproxy.cfg');
  writeFileSync(config, renderConfig(frontends));
  const child = Child.start('balancer', haproxyBinary(), ['-db', '-f', config], join(logDir, 'balancer.log'));
  const url = (fe: Frontend) => `http://127.0.0.1:${fe.port}`;
  try {
    for (const fe of frontends)
      await waitFor(
        `the balancer's ${fe.name} frontend`,
        async () => {
          if (!child.running) throw new Error(`haproxy exited:\n${child.logs().slice(-3000)}`);
          const res = await fetch(`${url(fe)}/readyz`).catch(() => undefined);
          return res?.ok ? true : undefined;
        },
        30_000,
        100,
      );
  } catch (error) {
    await child.kill();
    throw error;
  }
  return {
    child,
    gatewayUrl: url(frontends[0]),
    adminUrl: url(frontends[1]),
    hubUrl: balancerHubUrl(ports),
    stop: () => child.stop('SIGTERM', 3000),
  };
}
