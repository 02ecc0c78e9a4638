import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import type { Response } from 'express';
import { Public } from '../http/public.decorator';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const { ready, checks } = await this.readiness.evaluate();
    if (ready) {
      res.status(200).json({ status: 'ready', checks });
      return;
    }
    const down = Object.keys(checks).filter((k) => !checks[k] && k !== 'draining');
    if (this.readiness.draining) res.setHeader('Connection', 'close');
    if (this.readiness.draining && !down.length) {
      res
        .status(503)
        .json({ errorCode: ErrorCode.connectionLost, errorMessage: 'Not ready: shutting down', checks });
      return;
    }
    res.status(503).json({
      errorCode: ErrorCode.connectionLost,
      errorMessage: `Not ready: ${down.join(', ')} unreachable`,
      checks,
    });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
