import type { IdleResult } from '../idle/idle-phase';
import type { RunRecord } from '../relay/relay-phase';

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** A Markdown table; pipes inside cells are escaped. */
export function table(header: string[], rows: string[][]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

export function rawTable(records: RunRecord[]): string {
  return table(
    [
      'device',
      'rep',
      'side',
      'run',
      'ran',
      'answers',
      'wall ms',
      'req/s',
      'p50 ms',
      'p99 ms',
      'mean ms',
      'max ms',
      'CPU ms/req',
      'drain ms',
      'recorded',
      'not as expected',
    ],
    records.map((r) => {
      const x = r.result;
      const answers = Object.values(x.results).reduce((a, b) => a + b, 0);
      return [
        r.kind,
        String(r.rep),
        r.target,
        r.mode,
        r.order === 0 ? 'first' : 'second',
        String(answers),
        fmt(x.wallMs, 0),
        fmt(x.throughput, 0),
        fmt(x.latency.p50, 3),
        fmt(x.latency.p99, 3),
        fmt(x.latency.mean, 3),
        fmt(x.latency.max, 3),
        fmt(x.cpuMsPerRequest.total, 4),
        fmt(x.drainMs ?? 0, 0),
        x.recorded === undefined ? '' : String(x.recorded),
        x.failures ? JSON.stringify(x.results) : '0',
      ];
    }),
  );
}

export function idleSection(idle: IdleResult): string {
  const rows: string[][] = [];
  for (const s of idle.servers) {
    rows.push([s.server, '0', mib(s.rssBeforeBytes), '', '', '', '', '']);
    for (const step of s.steps) {
      const b = step.batch;
      const errors = Object.keys(b.errors).length ? ` ${JSON.stringify(b.errors)}` : '';
      rows.push([
        s.server,
        String(step.sockets),
        mib(step.rssBytes),
        fmt(step.perSocketBytes / 1024),
        fmt(b.ms / 1000),
        `${b.retries} / ${b.failed}${errors}`,
        step.enrolMs === undefined ? '' : fmt(step.enrolMs / 1000),
        step.cpuMsPerSocket
          ? Object.entries(step.cpuMsPerSocket)
              .map(([name, ms]) => `${name} ${fmt(ms, 3)}`)
              .join(', ')
          : '',
      ]);
    }
  }
  const hub = idle.servers.find((s) => s.server === 'hub');
  const sample = hub?.connectedSample
    ? `After the last step, ${hub.connectedSample.connected} of ${hub.connectedSample.checked} sampled devices reported \`connected: true\` through \`GET /client/v1.1/devices/{id}/connected\`.`
    : '';
  return [
    '### Idle device sockets',
    '',
    `${idle.devicesRegistered} devices registered through the admin API in ${fmt(idle.registerMs / 1000, 1)} s; up to ${idle.parallel} handshakes in flight.`,
    '',
    table(
      [
        'server',
        'sockets',
        'RSS MiB',
        'KiB per socket (ΔRSS ÷ sockets)',
        'batch connect s (previous step → this)',
        'retries / failed',
        'hub: JWT fetch s (not in connect time)',
        'CPU ms per socket of the batch (server = the process above; the hub also costs nats, admin, postgres)',
      ],
      rows,
    ),
    '',
    sample,
  ].join('\n');
}
