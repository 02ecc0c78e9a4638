import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ListRequestsRequest, SUBJECTS, type RequestLog } from '@cloudflow/contracts';
import { RequestLogService } from './request-log.service';

/** NATS responder (queue group `gateway`): admin's GET /admin/v1/requests. */
@Controller()
export class RequestLogController {
  constructor(private readonly log: RequestLogService) {}

  @MessagePattern(SUBJECTS.gateway.requestList)
  list(@Payload() request: ListRequestsRequest): Promise<RequestLog> {
    return this.log.list(request);
  }
}
