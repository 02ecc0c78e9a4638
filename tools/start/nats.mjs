// The local nats-server: one node with JetStream, its store kept in .data/nats across restarts.
import { join } from 'node:path';
import { Proc } from './proc.mjs';
import { probe, waitUntil } from './wait.mjs';

export async function startNats({ bin, configFile, port, monitorPort, dataDir, logFile, onExit, register }) {
  // The config file carries the users and permissions; the flags after it win for the rest.
  const args = [
    ...(configFile ? ['-c', configFile] : []),
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-m',
    String(monitorPort),
  ];
  args.push('-js', '-sd', join(dataDir, 'nats'));
  const proc = new Proc('nats', bin, args, { cwd: dataDir, logFile });
  register(proc);
  void proc.exited.then(() => onExit(proc));
  await waitUntil(
    'nats-server',
    async () => {
      if (!proc.running) {
        throw Object.assign(new Error(`nats-server exited:\n${proc.lastLines.join('\n')}`), { fatal: true });
      }
      const res = await probe(`http://127.0.0.1:${monitorPort}/healthz`);
      if (!res.ok) throw new Error(res.text);
      return true;
    },
    20_000,
  );
  return { proc, url: `nats://127.0.0.1:${port}` };
}
