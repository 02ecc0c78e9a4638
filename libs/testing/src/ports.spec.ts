import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './services';

/**
 * Two test processes drawing ports at once (two jest workers) never get the same one, although
 * each port is free again the moment it was probed: the reservation lasts as long as the process
 * that took it. Both stay alive until both have drawn (a port of a process that has exited is
 * free to take again, and is taken again).
 */
describe('freePort across processes', () => {
  const ports = join(REPO_ROOT, 'dist/libs/testing/src/ports.js');
  const drawer = (n: number) => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const { freePort } = require(${JSON.stringify(ports)});
         (async () => {
           const ports = [];
           for (let i = 0; i < ${n}; i++) ports.push(await freePort());
           console.log(JSON.stringify(ports));
           process.stdin.resume(); // alive until the test closes stdin
           process.stdin.on('end', () => process.exit(0));
         })();`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    const drawn = new Promise<number[]>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.endsWith('\n')) resolve(JSON.parse(out) as number[]);
      });
      child.once('exit', (code) => reject(new Error(`drawer exited with ${code} before drawing`)));
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { drawn, done: () => (child.stdin.end(), exited) };
  };

  it('hands 400 ports to each of two live processes with none in common', async () => {
    const drawers = [drawer(400), drawer(400)];
    try {
      const [a, b] = await Promise.all(drawers.map((d) => d.drawn));
      expect(new Set(a).size).toBe(400);
      expect(a.filter((port) => b.includes(port))).toEqual([]);
    } finally {
      await Promise.all(drawers.map((d) => d.done()));
    }
  }, 60_000);
});
