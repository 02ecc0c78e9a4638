import { connect } from 'nats';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './child';
import { natsServerBinary, type NatsHandle } from './nats-server';
import { makeNatsUsers } from './nats-users';
import { createLocalTls, type LocalTls } from './local-tls';
import { freePort, waitFor } from './ports';

/** One node of a test NATS cluster: its own client, monitor and route ports and JetStream store. */
export interface NatsNode {
  name: string;
  port: number;
  monitorUrl: string;
  /** `nats://127.0.0.1:<port>` (no credentials). */
  serverUrl: string;
  child: Child;
  /** kill -9: the node is gone until `start()`, its store kept. */
  kill(): Promise<void>;
  /** Lame-duck mode (`--signal ldm`): clients are asked to move, then the node exits. */
  lameDuck(): Promise<void>;
  /** Back on the same ports and store; resolves when its /healthz is 200 (JetStream caught up). */
  start(): Promise<void>;
}

export interface NatsClusterHandle extends NatsHandle {
  nodes: NatsNode[];
  /** Every node's URL with the first one = node `first % n`: each service connects to a different node first. */
  serversFrom(first: number): string;
  /** With `tls: true`: the CA that signed the nodes' certificate (a client's NATS_TLS_CA). */
  tls?: LocalTls;
}

export interface NatsClusterOptions {
  /** Clients must speak TLS (a throwaway local CA), as in start:cluster and deploy/k8s. */
  tls?: boolean;
}

/**
 * A real nats-server cluster on loopback (default 3 nodes): cluster routes between them,
 * JetStream with one store folder per node (server_name set, as clustered JetStream needs), and
 * the production authorization (one user per service plus the harness's full-access user).
 * `url` lists every node, so a client fails over. Ready when every node's /healthz is 200 and
 * the JetStream meta group has a leader.
 */
export async function startNatsCluster(
  size = 3,
  options: NatsClusterOptions = {},
): Promise<NatsClusterHandle> {
  const bin = natsServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'cf-nats-cluster-'));
  const tls = options.tls ? createLocalTls(dir) : undefined;
  const clientTls = tls ? { tls: { caFile: tls.ca } } : {};
  const users = makeNatsUsers();
  const { testUser, serviceUsers, hubUsers, authorization } = users;
  const specs: Array<{ name: string; port: number; monitor: number; route: number }> = [];
  for (let i = 0; i < size; i++)
    specs.push({
      name: `nats-${i + 1}`,
      port: await freePort(),
      monitor: await freePort(),
      route: await freePort(),
    });
  const q = (s: string) => JSON.stringify(s);

  const nodes: NatsNode[] = specs.map((spec) => {
    const store = join(dir, spec.name);
    mkdirSync(store, { recursive: true });
    const config = join(dir, `${spec.name}.conf`);
    writeFileSync(
      config,
      [
        `server_name: ${q(spec.name)}`,
        `listen: "127.0.0.1:${spec.port}"`,
        `http: "127.0.0.1:${spec.monitor}"`,
        `jetstream { store_dir: ${q(store)} }`,
        'cluster {',
        '  name: "cf-test"',
        `  listen: "127.0.0.1:${spec.route}"`,
        `  routes: [${specs
          .filter((o) => o !== spec)
          .map((o) => q(`nats-route://127.0.0.1:${o.route}`))
          .join(', ')}]`,
        '}',
        // Lame duck moves clients over 30 s (nats-server 2.9's minimum; the default is 2 min).
        'lame_duck_duration: "30s"',
        'lame_duck_grace_period: "1s"',
        ...(tls
          ? [
              'tls {',
              `  cert_file: ${q(tls.cert)}`,
              `  key_file: ${q(tls.key)}`,
              `  ca_file: ${q(tls.ca)}`,
              '  timeout: 2',
              '}',
            ]
          : []),
        authorization,
      ].join('\n'),
      { mode: 0o600 },
    );
    const launch = async () => {
      const child = Child.start(spec.name, bin, ['-c', config], join(dir, `${spec.name}.log`));
      node.child = child;
      return child;
    };
    const node: NatsNode = {
      name: spec.name,
      port: spec.port,
      monitorUrl: `http://127.0.0.1:${spec.monitor}`,
      serverUrl: `nats://127.0.0.1:${spec.port}`,
      child: undefined as unknown as Child,
      kill: async () => node.child.kill(),
      lameDuck: async () => {
        node.child.signal('SIGUSR2'); // nats-server's lame-duck signal (what `--signal ldm` sends)
        const timer = setTimeout(() => node.child.signal('SIGKILL'), 60_000);
        await node.child.exited;
        clearTimeout(timer);
      },
      start: async () => {
        if (node.child?.running) return;
        await launch();
        await waitHealthy(node);
      },
    };
    return node;
  });
  await Promise.all(nodes.map((n) => n.start().catch(() => undefined)));
  await Promise.all(nodes.map((n) => waitHealthy(n)));
  // A meta leader is elected a moment before the JetStream API answers (503 no responders).
  const probe = await connect({ servers: nodes.map((n) => n.serverUrl), ...testUser, ...clientTls });
  try {
    await waitFor(
      'the JetStream API of the cluster',
      async () => ((await (await probe.jetstreamManager()).getAccountInfo()) ? true : undefined),
      60_000,
      200,
    );
  } finally {
    await probe.close();
  }

  const serversFrom = (first: number) =>
    nodes
      .map((_, k) => nodes[(first + k) % nodes.length])
      .map((n) => `nats://${testUser.user}:${testUser.pass}@127.0.0.1:${n.port}`)
      .join(',');
  const handle: NatsClusterHandle = {
    nodes,
    serversFrom,
    url: serversFrom(0),
    serverUrl: nodes[0].serverUrl,
    port: nodes[0].port,
    dir,
    monitorUrl: nodes[0].monitorUrl,
    testUser,
    serviceUsers,
    hubUsers,
    connectOptions: () => ({ servers: nodes.map((n) => n.serverUrl).join(','), ...testUser, ...clientTls }),
    ...(tls ? { tls } : {}),
    serviceEnv: (service) => users.serviceEnv(service),
    get child() {
      return nodes[0].child;
    },
    async restart() {
      await nodes[0].kill();
      await nodes[0].start();
    },
    async stopServer() {
      await Promise.all(nodes.map((n) => n.child.stop('SIGTERM', 3000)));
    },
    async startServer() {
      await Promise.all(nodes.map((n) => n.start()));
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.child?.stop('SIGTERM', 3000)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** /healthz (JetStream current on this node) and a JetStream meta leader the node knows of. */
async function waitHealthy(node: NatsNode): Promise<void> {
  let last = '';
  try {
    await waitFor(
      `${node.name} healthy`,
      async () => {
        if (!node.child.running) throw new Error(`${node.name} exited:\n${node.child.logs().slice(-3000)}`);
        const health = await fetch(`${node.monitorUrl}/healthz`);
        last = await health.text();
        if (!health.ok) return undefined;
        const jsz = (await (await fetch(`${node.monitorUrl}/jsz`)).json()) as {
          meta_cluster?: { leader?: string };
        };
        return jsz.meta_cluster?.leader ? true : undefined;
      },
      // A replica of a busily written stream (the hubs' heartbeats) was seen taking over 60 s to
      // be current again on two loaded cores; rejoining is what is checked, not how fast.
      120_000,
      200,
    );
  } catch (error) {
    // What the node said last and logged, or a spec learns only that it timed out (the store folder is removed after).
    throw new Error(`${(error as Error).message}; last /healthz: ${last}\n${node.child.logs().slice(-3000)}`);
  }
}
