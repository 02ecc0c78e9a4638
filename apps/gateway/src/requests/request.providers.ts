import type { Provider } from '@nestjs/common';
import { NatsConnectionOwner, RequestIdsStore } from '@cloudflow/platform';
import { GatewayConfig } from '../gateway.config';
import { DeadLettersRepository } from './dead-letters.repository';
import { DeviceBus } from './device-bus.client';
import { RequestAdmission } from './request-admission';
import { RequestDispatchService } from './request-dispatch.service';
import { RequestEventsConsumer } from './request-events.consumer';
import { RequestLogService } from './request-log.service';
import { RequestRecorder } from './request-recorder.service';
import { RequestWatch } from './request-watch.service';
import { RequestFinals } from './request-finals';
import { RequestCancelService } from './request-cancel.service';
import { RequestsRepository } from './requests.repository';
import { RequestMetrics } from './request.metrics';

/** Requests to devices: the store, the REST side, the stream consumer and the watchers. */
export const REQUEST_PROVIDERS: Provider[] = [
  // The same store the hubs reserve websocket requestIds in: one namespace per account for both.
  {
    provide: RequestIdsStore,
    inject: [NatsConnectionOwner, GatewayConfig],
    useFactory: (nats: NatsConnectionOwner, c: GatewayConfig) =>
      new RequestIdsStore(nats, c.REQUEST_RETENTION_HOURS * 3600 * 1000),
  },
  RequestsRepository,
  RequestMetrics,
  DeadLettersRepository,
  RequestAdmission,
  DeviceBus,
  RequestRecorder,
  RequestFinals,
  RequestCancelService,
  RequestDispatchService,
  RequestLogService,
  RequestEventsConsumer,
  RequestWatch,
];
