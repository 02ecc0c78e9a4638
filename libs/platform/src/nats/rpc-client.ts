import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { CloudFlowError, ErrorCode, type RpcRequest, type RpcResponse, type RpcSubject } from '@cloudflow/contracts';
import { headers as natsHeaders } from 'nats';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { CORRELATION_HEADER, currentCorrelationId } from '../logging/request-context';

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

  async send<S extends RpcSubject>(subject: S, request: RpcRequest<S>, timeoutMs = this.defaultTimeoutMs): Promise<RpcResponse<S>> {
    const h = natsHeaders();
    const correlationId = currentCorrelationId();
    if (correlationId) h.set(CORRELATION_HEADER, correlationId);
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

function rehydrate(subject: string, error: unknown): CloudFlowError {
  if (error instanceof CloudFlowError) return error;
  if (error instanceof TimeoutError) {
    const service = subject.split('.')[0];
    return new CloudFlowError(ErrorCode.failed, `The ${service} service did not answer in time; please retry`);
  }
  if (error && typeof error === 'object' && 'errorCode' in error) return CloudFlowError.fromBody(error);
  return new CloudFlowError(ErrorCode.failed, 'Internal messaging failed; please retry', { cause: error });
}
