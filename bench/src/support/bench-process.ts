import { Child, freePort, waitFor } from '@cloudflow/testing';
import { join } from 'node:path';

export interface BenchServer {
  child: Child;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts one of the bench's own servers (the baseline relay, the plain ws server) as a separate
 * process from its built file next to this one, on a free loopback port, so its CPU time and
 * RSS can be read from /proc like the system's.
 */
export async function startBenchServer(
  script: 'baseline-relay' | 'plain-ws-server',
  logDir: string,
): Promise<BenchServer> {
  const port = await freePort();
  const entry = join(__dirname, '..', `${script}.js`);
  const child = Child.start(script, process.execPath, [entry], join(logDir, `${script}-${port}.log`), {
    env: { ...process.env, PORT: String(port) },
  });
  await waitFor(
    `${script} on ${port}`,
    async () => {
      if (!child.running) throw new Error(`${script} exited:\n${child.logs()}`);
      return child.logs().includes(`listening ${port}`) ? true : undefined;
    },
    15_000,
    50,
  );
  return { child, port, url: `ws://127.0.0.1:${port}/ws`, stop: () => child.stop('SIGTERM', 3000) };
}
