import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import type { MsgHdrs } from 'nats';
import { Observable } from 'rxjs';
import { CORRELATION_HEADER, runWithCorrelation } from '../logging/request-context';

/** NATS handlers run inside the correlation id their caller sent in the message header. */
@Injectable()
export class NatsCorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const ctx = context.switchToRpc().getContext<NatsContext>();
    // A message published without headers has none: getHeaders() is then undefined at runtime.
    const headers = ctx.getHeaders() as MsgHdrs | undefined;
    const id = headers?.get(CORRELATION_HEADER) || undefined;
    return new Observable((subscriber) => runWithCorrelation(id, () => next.handle().subscribe(subscriber)));
  }
}
