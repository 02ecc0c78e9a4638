import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';
import { EventPush } from './event-push';
import { PresenceRecorder } from './presence-recorder';

/** Sockets ended per hub per sweep at most (the next sweep takes the rest). */
const PAGE = 500;

/**
 * A hub that dies (kill -9, a lost node) tells nobody its sockets closed. Every gateway looks,
 * every PRESENCE_SWEEP_MS, at the hubs holding sockets announced open; one whose heartbeat was
 * stale on two looks in a row (a hub that just started may not have written its first yet) has
 * each of them end as `hubGone`. Two gateways sweeping at once announce each end once: the
 * recorder judges the second as old news.
 */
@Injectable()
export class PresenceSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private suspects = new Set<string>();

  constructor(
    private readonly recorder: PresenceRecorder,
    private readonly presence: PresenceStore,
    private readonly push: EventPush,
    private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((err: unknown) => this.logger.debug({ err }, 'presence sweep failed; next time'))
        .finally(() => (this.running = undefined));
    }, this.config.PRESENCE_SWEEP_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    const dead = new Set<string>();
    for (const hubId of await this.recorder.hubsWithOpenSockets())
      if (!(await this.presence.isHubAlive(hubId))) dead.add(hubId);
    const confirmed = [...dead].filter((hubId) => this.suspects.has(hubId));
    this.suspects = dead;
    for (const hubId of confirmed) {
      const owed = await this.recorder.openOn(hubId, PAGE);
      if (owed.length === 0) continue;
      this.push.send(await this.recorder.record(owed));
      this.logger.info({ hubId, sockets: owed.length }, 'hub gone: its device sockets announced closed');
    }
  }
}
