// The CloudFlow processes `npm start` runs from dist/, and the wait for all of them to be ready.
import { join } from 'node:path';
import { makeFormatter } from './log-format.mjs';
import { Proc } from './proc.mjs';
import { probe, sleep } from './wait.mjs';

/** The contract's fixed local ports: the README, the portal and the printed box rely on them. */
export const SERVICES = [
  { name: 'auth', app: 'auth', port: 8070 },
  { name: 'admin', app: 'admin', port: 8081 },
  { name: 'gateway', app: 'gateway', port: 8080 },
  { name: 'hub-1', app: 'hub', port: 8090, instance: 'hub-1' },
  { name: 'hub-2', app: 'hub', port: 8091, instance: 'hub-2' },
];

const NAME_WIDTH = Math.max(...SERVICES.map((s) => s.name.length), 'postgres'.length);

/** A host a local probe can reach even when the services listen on every interface. */
export function probeHost(host) {
  return ['0.0.0.0', '::', ''].includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

export function startServiceProc(root, svc, index, env, logDir) {
  const format = makeFormatter(svc.name, index, NAME_WIDTH);
  return new Proc(
    svc.name,
    process.execPath,
    ['--enable-source-maps', join(root, 'dist/apps', svc.app, 'src/main.js')],
    {
      cwd: root,
      env: { ...env, PORT: String(svc.port), ...(svc.instance ? { INSTANCE_ID: svc.instance } : {}) },
      logFile: join(logDir, `${svc.name}.log`),
      onLine: (line) => {
        const out = format(line);
        if (out !== undefined) console.log(out);
      },
    },
  );
}

/**
 * Polls every /readyz until all answer 200 or the deadline passes; the error then names each
 * process that is not ready and what its /readyz said last.
 */
export async function waitReady(entries, host, deadline) {
  const last = new Map();
  const pending = new Set(entries);
  while (pending.size > 0) {
    for (const entry of [...pending]) {
      if (!entry.proc.running) return; // the crash handler explains and stops everything
      const res = await probe(`http://${probeHost(host)}:${entry.svc.port}/readyz`);
      if (res.ok) pending.delete(entry);
      else last.set(entry, res.status ? `${res.status} ${res.text}` : res.text);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      const names = [...pending].map(
        (e) => `  ${e.svc.name} (port ${e.svc.port}): ${last.get(e) ?? 'no answer'}`,
      );
      throw new Error(`Not ready within 60 s:\n${names.join('\n')}\nSee .data/logs/<name>.log for details.`);
    }
    await sleep(250);
  }
}
