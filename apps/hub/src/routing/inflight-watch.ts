import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ErrorCode } from '@cloudflow/contracts';
import { LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { ConnectionRegistry } from '../connections/connection-registry';
import { HubConfig } from '../hub.config';
import { HubBus } from './hub-bus';

/**
 * A requester's hub checks, every second, that each device connection it is waiting on still
 * exists. If the device's hub died (kill -9), NATS has already dropped its subscriptions, the
 * ping gets "no responders", and the POS hears connectionLost within about a second.
 */
@Injectable()
export class InflightWatch implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly bus: HubBus,
    private readonly config: HubConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), this.config.INFLIGHT_CHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
          const ack = await this.bus.request(deviceConnId, { kind: 'ping' }, this.config.INFLIGHT_CHECK_MS);
          if (ack.ok || !ack.noResponders) return;
          for (const { connId, requestId } of requesters) {
            const conn = this.registry.get(connId);
            const entry = conn?.clientInflight.get(requestId);
            if (!conn || !entry || entry.deviceConnId !== deviceConnId) continue;
            conn.settleClient(requestId);
            // The device had it (or may have had it): its outcome is unknown.
            conn.sendException(ErrorCode.connectionLost, `Device '${entry.target}' lost its connection before answering; the outcome is unknown`, requestId, true);
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
