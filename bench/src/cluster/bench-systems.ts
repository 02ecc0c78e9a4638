import { startSystem, type NatsClusterHandle, type System } from '@cloudflow/testing';
import type { CpuSampler } from '../load/load-run';
import type { SystemRoute } from '../relay/relay-targets';
import { cpuMs, pinTree } from '../support/proc-stats';
import { balancerHubUrl, balancerPorts, startBalancer, type Balancer } from './balancer';

/** One of the two systems bench:cluster compares, with every process it is charged for. */
export interface BenchSystem {
  name: 'system' | 'cluster';
  /** For the client side: `gatewayUrl`/`adminUrl` are the balancer's on the cluster. */
  sys: System;
  route: SystemRoute;
  /** Process name → pid, in the order the CPU tables list them. */
  pids: Record<string, number>;
  cpu: CpuSampler;
  balancer?: Balancer;
  stop(): Promise<void>;
}

/** Same settings on both sides: set-up traffic is not throttled, and logs stay at warn (as bench:async). */
const ENV = {
  SANDBOX_USAGE_LIMIT_PER_DAY: '1000000000',
  SANDBOX_RATE_PER_SECOND: '1000000',
  // Bench accounts may hold more sockets (idle steps up to 18,100) than the 10,000 default ceiling.
  CONNECTION_LIMIT_CEILING: '100000',
  LOG_LEVEL: 'warn',
};

const sampler =
  (pids: Record<string, number>): CpuSampler =>
  () =>
    Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));

const numbered = (prefix: string, list: Array<{ child: { pid: number } }>) =>
  Object.fromEntries(list.map((s, i) => [`${prefix}-${i + 1}`, s.child.pid]));

/** bench:relay's system: one nats-server, Postgres, auth, admin, gateway, hub A (POS) and hub B (devices). */
export async function startOneNode(): Promise<BenchSystem> {
  const sys = await startSystem({ hubs: 2, env: ENV });
  const pids: Record<string, number> = {
    nats: sys.nats.child.pid,
    postgres: sys.postgres.child.pid,
    auth: sys.auth.child.pid,
    admin: sys.admin.child.pid,
    gateway: sys.gateways[0].child.pid,
    'hub A (POS)': sys.hubs[0].child.pid,
    'hub B (devices)': sys.hubs[1].child.pid,
  };
  for (const pid of Object.values(pids)) pinTree(pid, 0);
  return {
    name: 'system',
    sys,
    route: {
      name: 'system',
      gatewayUrl: sys.gatewayUrl,
      posHubUrl: `ws://127.0.0.1:${sys.hubs[0].port}/ws`,
      deviceHubUrl: `ws://127.0.0.1:${sys.hubs[1].port}/ws`,
    },
    pids,
    cpu: sampler(pids),
    stop: () => sys.stop(),
  };
}

/**
 * start:cluster's topology from libs/testing: 3 nats-server nodes (routes, JetStream R3, TLS for
 * clients), Postgres, 2 × auth, 2 × admin, 2 × gateway, 3 × hub (each attached to a different
 * node first), and HAProxy in front; every client goes through the balancer.
 */
export async function startCluster(): Promise<BenchSystem> {
  const ports = await balancerPorts();
  const sys = await startSystem({
    natsNodes: 3,
    natsTls: true,
    auths: 2,
    admins: 2,
    gateways: 2,
    hubs: 3,
    // An enrol's connectionUrl names the balancer, never one hub.
    env: { ...ENV, HUB_PUBLIC_URL: balancerHubUrl(ports) },
  });
  let balancer: Balancer;
  try {
    balancer = await startBalancer(sys, ports, sys.logDir);
  } catch (error) {
    await sys.stop();
    throw error;
  }
  const nats = sys.nats as NatsClusterHandle;
  const pids: Record<string, number> = {
    ...Object.fromEntries(nats.nodes.map((n) => [n.name, n.child.pid])),
    postgres: sys.postgres.child.pid,
    ...numbered('auth', sys.auths),
    ...numbered('admin', sys.admins),
    ...numbered('gateway', sys.gateways),
    ...numbered('hub', sys.hubs),
    balancer: balancer.child.pid,
  };
  for (const pid of Object.values(pids)) pinTree(pid, 0);
  return {
    name: 'cluster',
    sys: { ...sys, gatewayUrl: balancer.gatewayUrl, adminUrl: balancer.adminUrl },
    route: {
      name: 'cluster',
      gatewayUrl: balancer.gatewayUrl,
      posHubUrl: balancer.hubUrl,
      deviceHubUrl: balancer.hubUrl,
    },
    pids,
    cpu: sampler(pids),
    balancer,
    async stop() {
      await balancer.stop();
      await sys.stop();
    },
  };
}
