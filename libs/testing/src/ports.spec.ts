import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './services';

/**
 * Two test processes drawing ports at once (two jest workers) never get the same one, although
 * each port is free again the moment it was probed: the reservation outlives the probe.
 */
describe('freePort across processes', () => {
  const draw = (n: number) =>
    promisify(execFile)(process.execPath, [
      '-e',
      `const { freePort } = require(${JSON.stringify(join(REPO_ROOT, 'dist/libs/testing/src/ports.js'))});
       (async () => { const ports = []; for (let i = 0; i < ${n}; i++) ports.push(await freePort()); console.log(JSON.stringify(ports)); })();`,
    ]).then(({ stdout }) => JSON.parse(stdout) as number[]);

  it('hands 400 ports to each of two processes with none in common', async () => {
    const [a, b] = await Promise.all([draw(400), draw(400)]);
    expect(new Set(a).size).toBe(400);
    expect(a.filter((port) => b.includes(port))).toEqual([]);
  }, 60_000);
});
