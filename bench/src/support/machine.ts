import { natsServerBinary, postgresBinDir } from '@cloudflow/testing';
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** What the report says about the machine, so figures from two machines are not compared blindly. */
export function machineFacts(): Array<[string, string]> {
  const cores = cpus();
  return [
    [
      'CPU',
      `${cores[0]?.model ?? 'unknown'} × ${cores.length}${cores[0]?.speed ? ` at ${cores[0].speed} MHz` : ''}`,
    ],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['kernel', release()],
    ['Node', process.version],
    ['nats-server', version(natsServerBinary(), ['--version'])],
    ['Postgres', version(join(postgresBinDir(), 'postgres'), ['--version'])],
    [
      'load average at start (1/5/15 min)',
      loadavg()
        .map((x) => x.toFixed(2))
        .join(' / '),
    ],
  ];
}
