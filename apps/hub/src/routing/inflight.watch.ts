import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ErrorCode } from '@cloudflow/contracts';
import { LOGGER, MovingRetry } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { HubBus } from '../bus/hub-bus.client';
import { ConnectionRegistry } from '../connections/connection.registry';
import { HubConfig } from '../hub.config';
import { HubMetrics } from '../hub.metrics';

/** How long "no responders" must last before a device connection counts as gone. */
const CONFIRM_GONE_MS = 1_500;
/** A ping slower than this counts as "still there" (a busy hub, not a gone one); asked again next check. */
const PING_TIMEOUT_MS = 1_000;

/**
 * A requester's hub checks, every INFLIGHT_CHECK_MS (half a second), that each device connection it is waiting on still
 * exists. If the device's hub died (kill -9), NATS has already dropped its subscriptions, the
 * ping gets "no responders" (for CONFIRM_GONE_MS), and the POS hears connectionLost within about 2 s
 * (the contract's budget is 3 s; the rest is slack for a loaded machine).
 */
@Injectable()
export class InflightWatch implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly bus: HubBus,
    private readonly config: HubConfig,
    private readonly metrics: HubMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), this.config.INFLIGHT_CHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * "No responders" once may be a device hub between NATS nodes (lame duck), not a dead one: its
   * subscription is back within a moment. Asked again for CONFIRM_GONE_MS before the POS is told;
   * a killed hub still shows within INFLIGHT_CHECK_MS + CONFIRM_GONE_MS (about 2 s).
   */
  private async stillThere(deviceConnId: string): Promise<boolean> {
    const retry = new MovingRetry(CONFIRM_GONE_MS);
    do {
      const ack = await this.bus.request(deviceConnId, { kind: 'ping' }, PING_TIMEOUT_MS);
      if (ack.ok || !ack.noResponders) return true;
    } while (await retry.again());
    return false;
  }

  private async check(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const waiting = new Map<string, Array<{ connId: string; requestId: string }>>();
      for (const conn of this.registry.all()) {
        for (const [requestId, entry] of conn.clientInflight) {
          const list = waiting.get(entry.deviceConnId) ?? [];
          list.push({ connId: conn.id, requestId });
          waiting.set(entry.deviceConnId, list);
        }
      }
      await Promise.all(
        [...waiting].map(async ([deviceConnId, requesters]) => {
          if (await this.stillThere(deviceConnId)) return;
          for (const { connId, requestId } of requesters) {
            const conn = this.registry.get(connId);
            const entry = conn?.clientInflight.get(requestId);
            if (!conn || !entry || entry.deviceConnId !== deviceConnId) continue;
            conn.settleClient(requestId);
            this.metrics.syncOutcome(entry.type, 'connectionLost');
            // The device had it (or may have had it): its outcome is unknown.
            conn.sendException(
              ErrorCode.connectionLost,
              `Device '${entry.target}' lost its connection before answering; the outcome is unknown`,
              requestId,
              true,
            );
          }
        }),
      );
    } catch (err) {
      this.logger.warn({ err }, 'in-flight check failed');
    } finally {
      this.running = false;
    }
  }
}
