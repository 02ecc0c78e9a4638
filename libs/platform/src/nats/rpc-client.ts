import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import {
  CloudFlowError,
  ErrorCode,
  SUBJECTS,
  type RpcRequest,
  type RpcResponse,
  type RpcSubject,
} from '@cloudflow/contracts';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { CORRELATION_HEADER, currentCorrelationId } from '../logging/request-context';
import { injectTrace } from '../tracing/trace-propagation';
import { MovingRetry } from './moving-retry';

/** Lookups and verifications: asking twice changes nothing, so a lost request is asked again. */
const IDEMPOTENT: ReadonlySet<RpcSubject> = new Set<RpcSubject>([
  SUBJECTS.admin.deviceGet,
  SUBJECTS.admin.deviceGetMany,
  SUBJECTS.admin.accountGet,
  SUBJECTS.admin.deviceList,
  SUBJECTS.admin.simulatedDeviceList,
  SUBJECTS.admin.userFindForLogin,
  SUBJECTS.auth.appKeyVerify,
  SUBJECTS.auth.accountVerify,
  SUBJECTS.auth.deviceVerify,
  SUBJECTS.auth.jwksGet,
  SUBJECTS.auth.webhookSecretGet,
  SUBJECTS.auth.blockedEndpointList,
  SUBJECTS.gateway.requestList,
]);

/**
 * The typed NATS client: only subjects from `@cloudflow/contracts`, a timeout on every call,
 * the correlation id in a header, and errors rehydrated so a downstream code reaches the caller.
 */
@Injectable()
export class RpcClient implements OnApplicationShutdown {
  constructor(
    private readonly client: ClientNats,
    private readonly defaultTimeoutMs: number,
  ) {}

  async send<S extends RpcSubject>(
    subject: S,
    request: RpcRequest<S>,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<RpcResponse<S>> {
    if (!IDEMPOTENT.has(subject)) return this.reachingSomeone(subject, request, timeoutMs);
    // A read may be asked twice: a request lost while the responder's NATS connection moves to
    // another node (lame duck, a node killed) is asked again within the same overall budget.
    const first = Math.max(100, Math.floor(timeoutMs / 2));
    try {
      return await this.reachingSomeone(subject, request, first);
    } catch (error) {
      if (!(error instanceof CloudFlowError) || !(error.cause instanceof TimeoutError)) throw error;
      return this.reachingSomeone(subject, request, Math.max(100, timeoutMs - first));
    }
  }

  /**
   * "No responders" proves nobody received the request, and so does a request never sent because
   * this process's own connection is moving: any call (a state-changing one too) is asked again
   * while that lasts no longer than a connection move (the only replica of a responder, or this
   * process, may be between NATS nodes right now).
   */
  private async reachingSomeone<S extends RpcSubject>(
    subject: S,
    request: RpcRequest<S>,
    timeoutMs: number,
  ): Promise<RpcResponse<S>> {
    let retry: MovingRetry | undefined;
    for (;;) {
      try {
        return await this.once(subject, request, timeoutMs);
      } catch (error) {
        if (!(error instanceof CloudFlowError) || !reachedNobody(error.cause)) throw error;
        retry ??= new MovingRetry();
        if (!(await retry.again())) throw error;
      }
    }
  }

  private async once<S extends RpcSubject>(
    subject: S,
    request: RpcRequest<S>,
    timeoutMs: number,
  ): Promise<RpcResponse<S>> {
    const h = natsHeaders();
    const correlationId = currentCorrelationId();
    if (correlationId) h.set(CORRELATION_HEADER, correlationId);
    injectTrace((name, value) => h.set(name, value));
    const record = new NatsRecordBuilder(request).setHeaders(h).build();
    try {
      return await firstValueFrom(this.client.send<RpcResponse<S>>(subject, record).pipe(timeout(timeoutMs)));
    } catch (error) {
      throw rehydrate(subject, error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Nest's ClientNats rejects every send with this string from a disconnect until the reconnect
 * (it replaces its connection promise), without publishing anything.
 */
const NOT_SENT_WHILE_RECONNECTING = /Connection lost\. Trying to reconnect/;

function reachedNobody(cause: unknown): boolean {
  return (
    cause instanceof EmptyResponseException ||
    (typeof cause === 'string' && NOT_SENT_WHILE_RECONNECTING.test(cause))
  );
}

function rehydrate(subject: string, error: unknown): CloudFlowError {
  if (error instanceof CloudFlowError) return error;
  if (error instanceof TimeoutError) {
    const service = subject.split('.')[0];
    return new CloudFlowError(
      ErrorCode.failed,
      `The ${service} service did not answer in time; please retry`,
      { cause: error },
    );
  }
  if (error && typeof error === 'object' && 'errorCode' in error) return CloudFlowError.fromBody(error);
  return new CloudFlowError(ErrorCode.failed, 'Internal messaging failed; please retry', { cause: error });
}
