import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { maskLogLine } from './mask-log-line';
import { currentCorrelationId } from './request-context';

/** Structured JSON logs; every line carries the service, the instance and the correlation id. */
export function createLogger(service: string, level: string, instance: string): Logger {
  return pino({
    level,
    base: { service, instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
    // Card numbers and sensitive authentication data never reach a log line either (issue 12 item 5).
    hooks: { streamWrite: maskLogLine },
    // Secrets never reach a log line, whatever a caller passes.
    redact: {
      paths: ['password', 'pin', 'appKey', 'apiToken', 'token', '*.password', '*.pin', '*.appKey', '*.apiToken', 'headers.authorization', 'headers["api-key"]'],
      censor: '[redacted]',
    },
  });
}

/** Nest's own messages go through the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
