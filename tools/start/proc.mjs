// A child process `npm start` owns: stopped only by its own pid, its output kept in a log file,
// its last lines remembered so a crash can be explained without opening the file.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

const KEEP_LINES = 40;

export class Proc {
  /**
   * @param {string} name shown in the terminal and used for the log file
   * @param {string} cmd
   * @param {string[]} args
   * @param {{ env?: NodeJS.ProcessEnv, uid?: number, gid?: number, cwd?: string, logFile: string, onLine?: (line: string) => void }} options
   */
  constructor(name, cmd, args, options) {
    this.name = name;
    this.lastLines = [];
    this.exitCode = undefined;
    this.stopping = false;
    const log = createWriteStream(options.logFile, { flags: 'a' });
    log.write(`--- ${new Date().toISOString()} started by npm start ---\n`);
    this.child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      // Own process group: a terminal Ctrl-C reaches only `npm start`, which then stops the
      // services before NATS and Postgres instead of everything dying at once.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        log.write(line + '\n');
        this.lastLines.push(line);
        if (this.lastLines.length > KEEP_LINES) this.lastLines.shift();
        options.onLine?.(line);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.lastLines.push(`failed to start ${cmd}: ${error.message}`);
        this.exitCode = -1;
        resolve(-1);
      });
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? `signal ${signal}` : null);
        // Let the last buffered lines reach the log before anyone reads lastLines.
        setTimeout(() => {
          log.end();
          resolve(this.exitCode);
        }, 50);
      });
    });
  }

  get pid() {
    return this.child.pid;
  }

  get running() {
    return this.exitCode === undefined;
  }

  signal(sig) {
    if (!this.running || !this.pid) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      /* already gone */
    }
  }

  /** Polite signal first, SIGKILL when it has not exited after graceMs. */
  async stop(sig = 'SIGTERM', graceMs = 10_000) {
    this.stopping = true;
    if (!this.running) return;
    this.signal(sig);
    const timer = setTimeout(() => {
      console.log(`${this.name} did not stop within ${graceMs / 1000} s: SIGKILL`);
      this.signal('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
