import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { CloudFlowError, ERROR_HTTP_STATUS, ErrorCode } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { throwError, type Observable } from 'rxjs';
import type { Response } from 'express';
import { toCloudFlowError } from './to-cloudflow-error';

/**
 * The one exception filter, for HTTP and for NATS handlers. HTTP gets CONTRACT.md §2's body;
 * NATS replies carry the same body so the caller can rehydrate the error. Unexpected errors are
 * logged with an errorId and answered as `failed` without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<unknown> | void {
    const error = toCloudFlowError(exception) ?? this.unexpected(exception);
    if (host.getType() === 'rpc') {
      return throwError(() =>
        new RpcException({ ...error.toBody(), retryAfterSeconds: error.retryAfterSeconds }).getError(),
      );
    }
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (error.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(Math.ceil(error.retryAfterSeconds)));
    if (error.code === ErrorCode.unauthorized && error.extra.error === undefined)
      res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(ERROR_HTTP_STATUS[error.code]).json(error.toBody());
  }

  private unexpected(exception: unknown): CloudFlowError {
    const errorId = randomUUID();
    const err = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error({ errorId, err }, 'unexpected failure');
    return new CloudFlowError(ErrorCode.failed, `Unexpected failure (errorId ${errorId})`, {
      extra: { errorId },
    });
  }
}
