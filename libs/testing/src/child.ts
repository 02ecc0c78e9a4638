import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

/** A process this test started: stopped only by its own pid, its output kept in a log file. */
export class Child {
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => resolve((this.exitCode = code ?? (signal ? -1 : null)))),
    );
  }

  static start(
    name: string,
    cmd: string,
    args: string[],
    logFile: string,
    options: SpawnOptions = {},
  ): Child {
    const log = createWriteStream(logFile, { flags: 'a' });
    const proc = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.pipe(log);
    proc.stderr?.pipe(log);
    return new Child(name, proc, logFile);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  logs(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, sig);
  }

  /** Polite stop, then SIGKILL if it does not exit in time. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 8000): Promise<void> {
    if (!this.running) return;
    this.signal(sig);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}
