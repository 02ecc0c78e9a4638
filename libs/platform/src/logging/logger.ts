import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import { maskLogLine } from './mask-log-line';
import { redactSecrets, redactText } from './redaction';
import { currentCorrelationId } from './request-context';

/**
 * Structured JSON logs; every line carries the service, the instance and the correlation id.
 * `destination` is for specs (stdout otherwise).
 */
export function createLogger(
  service: string,
  level: string,
  instance: string,
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service, instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
    // Secrets never reach a log line, whatever a caller passes (issue 12, item 9): every
    // token-bearing field at any depth, and tokens in query strings of URLs and messages.
    formatters: { log: (object) => redactSecrets(object) },
    hooks: {
      // Card numbers and sensitive authentication data never reach a log line either (issue 12 item 5).
      streamWrite: maskLogLine,
      logMethod(args: unknown[], method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
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
