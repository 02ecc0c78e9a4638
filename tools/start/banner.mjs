// The "it is up" box: every URL a developer needs, the operator token, where data and logs live.
import { relative } from 'node:path';

function maskPassword(url) {
  return url.replace(/^(\w+:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/**
 * `cluster` (npm run start:cluster): lines that replace the one-node hubs/auth/NATS lines, and a
 * note under the gateway/admin URLs that they are the balancer's.
 */
export function printBox({ ports, databaseUrl, externalDb, pgData, secrets, sources, root, cluster }) {
  const data = pgData && !relative(root, pgData).startsWith('..') ? relative(root, pgData) : pgData;
  const lines = [
    cluster
      ? 'CloudFlow (cluster) is running. Ctrl-C stops everything.'
      : 'CloudFlow is running. Ctrl-C stops everything.',
    '',
    'gateway   http://localhost:8080',
    '          Client API  /client/v1.0/..., /client/v1.1/...',
    '          Device API  /device/v1.0/..., /device/v1.1/...',
    '          OAuth       POST /auth/oauth/token',
    '          key check   GET /dummyapi/status  (header api-key)',
    '          API docs    /docs/client/1.0  /docs/client/1.1',
    '                      /docs/device/1.0  /docs/device/1.1',
    'admin     http://localhost:8081',
    '          portal      /portal/   (JSON API /portal/v1/...   docs /docs/portal/1.0)',
    '          admin API   /admin/v1/...   docs /docs/admin/1.0',
    '          operator    /operator/v1/...   docs /docs/operator/1.0',
    ...(cluster
      ? cluster.lines
      : [
          'hubs      ws://localhost:8090/ws   ws://localhost:8091/ws',
          'auth      http://localhost:8070/healthz   (its API is NATS only)',
          `NATS      nats://127.0.0.1:${ports.nats}   monitor http://127.0.0.1:${ports.monitor}`,
        ]),
    `Postgres  ${maskPassword(databaseUrl)}${externalDb ? '   (from $DATABASE_URL)' : ''}`,
    '          services log in as cloudflow_auth / cloudflow_admin / cloudflow_gateway (own schema only)',
    ...(data ? [`          data ${data}`] : []),
    '',
    'operator token (Authorization: Bearer <token> on /operator/v1):',
    `  ${secrets.CLOUDFLOW_OPERATOR_TOKEN}   (from ${sources.CLOUDFLOW_OPERATOR_TOKEN})`,
    'logs      .data/logs/<name>.log   health /healthz /readyz /metrics on every port',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const out = [
    `┌${'─'.repeat(width + 2)}┐`,
    ...lines.map((l) => `│ ${l.padEnd(width)} │`),
    `└${'─'.repeat(width + 2)}┘`,
  ];
  console.log('\n' + out.join('\n') + '\n');
}
