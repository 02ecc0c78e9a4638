import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Named dependency checks (nats, postgres) that together decide /readyz. */
@Injectable()
export class ReadinessService {
  private readonly checks = new Map<string, ReadinessCheck>();
  private drainingSince?: number;

  /** Shutdown began: /readyz answers 503 from now on, whatever the checks say, so load balancers stop sending. */
  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async evaluate(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const entries = await Promise.all(
      [...this.checks].map(
        async ([name, check]) => [name, await Promise.resolve(check()).catch(() => false)] as const,
      ),
    );
    const checks: Record<string, boolean> = Object.fromEntries(entries);
    if (this.draining) return { ready: false, checks: { ...checks, draining: false } };
    return { ready: entries.every(([, ok]) => ok), checks };
  }
}
