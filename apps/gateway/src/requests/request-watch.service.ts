import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ErrorCode } from '@cloudflow/contracts';
import { LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { GatewayConfig } from '../gateway.config';
import { DeadLettersRepository } from './dead-letters.repository';
import { DeviceBus } from './device-bus.client';
import { gatewayFlowException } from './request-exception';
import type { RequestEntity } from './request.entity';
import { RequestRecorder } from './request-recorder.service';
import { RequestsRepository } from './requests.repository';

const BATCH = 500;
const PURGE_EVERY_MS = 3_600_000;

/**
 * Open requests nobody will report on: when a device's hub dies (kill -9) no connectionLost is
 * ever published, so every second this pings the device connection each open request went to;
 * "no responders" means its hub is gone → connectionLost. Requests past their timeout become
 * expired. Every change is conditional on the status, so any number of replicas may watch.
 */
@Injectable()
export class RequestWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running = false;
  private lastPurge = 0;

  constructor(
    private readonly repo: RequestsRepository,
    private readonly recorder: RequestRecorder,
    private readonly bus: DeviceBus,
    private readonly config: GatewayConfig,
    private readonly deadLetters: DeadLettersRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.REQUEST_WATCH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const open = await this.repo.open(BATCH);
      await this.expire(open.filter((r) => r.expiresAt.getTime() <= Date.now()));
      await this.checkConnections(
        open.filter((r) => r.expiresAt.getTime() > Date.now() && this.settledLongEnough(r)),
      );
      if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
        this.lastPurge = Date.now();
        const purged = await this.repo.purge(
          new Date(Date.now() - this.config.REQUEST_RETENTION_HOURS * 3_600_000),
        );
        if (purged) this.logger.info({ purged }, 'old requests deleted');
        const dead = await this.deadLetters.purge(
          new Date(Date.now() - this.config.DEAD_LETTER_RETENTION_HOURS * 3_600_000),
        );
        if (dead) this.logger.info({ dead }, 'old dead letters deleted');
      }
    } catch (err) {
      this.logger.debug({ err }, 'request watch skipped a round');
    } finally {
      this.running = false;
    }
  }

  /** A request still being written is its dispatcher's business, unless that gateway died. */
  private settledLongEnough(r: RequestEntity): boolean {
    return (
      r.status === 'dispatched' ||
      Date.now() - r.updatedAt.getTime() > this.config.REQUEST_DELIVERY_TIMEOUT_MS * 2
    );
  }

  private async expire(rows: RequestEntity[]): Promise<void> {
    for (const row of rows) {
      const seconds = Math.round((row.expiresAt.getTime() - row.createdAt.getTime()) / 1000);
      const message = gatewayFlowException(
        ErrorCode.connectionLost,
        `No final answer from device '${row.target}' within ${seconds} s; the request expired`,
        row.requestId,
      );
      await this.recorder.conclude(row, message, 'expired', ['dispatching', 'dispatched']);
    }
  }

  private async checkConnections(rows: RequestEntity[]): Promise<void> {
    const byConn = new Map<string, RequestEntity[]>();
    for (const row of rows) if (row.connId) byConn.set(row.connId, [...(byConn.get(row.connId) ?? []), row]);
    await Promise.all(
      [...byConn].map(async ([connId, waiting]) => {
        const ack = await this.bus.request(connId, { kind: 'ping' }, this.config.REQUEST_WATCH_MS);
        if (ack.ok || !ack.noResponders) return;
        for (const row of waiting) {
          const message = gatewayFlowException(
            ErrorCode.connectionLost,
            `Device '${row.target}' lost its connection before answering`,
            row.requestId,
          );
          const done = await this.recorder.conclude(row, message, 'connectionLost', [
            'dispatching',
            'dispatched',
          ]);
          if (done)
            this.logger.info(
              { requestId: row.requestId, target: row.target },
              'device connection gone: request marked connectionLost',
            );
        }
      }),
    );
  }
}
