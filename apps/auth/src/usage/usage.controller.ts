import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  SUBJECTS,
  UsageQueryRequest,
  UsageReportRequest,
  type UsageQueryResult,
  type UsageTotals,
} from '@cloudflow/contracts';
import { UsageService } from './usage.service';

/** NATS responder (queue group `auth`) for the batched usage reports and ledger queries. */
@Controller()
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @MessagePattern(SUBJECTS.auth.usageReport)
  report(@Payload() request: UsageReportRequest): Promise<UsageTotals> {
    return this.usage.report(request);
  }

  @MessagePattern(SUBJECTS.auth.usageQuery)
  query(@Payload() request: UsageQueryRequest): Promise<UsageQueryResult> {
    return this.usage.query(request);
  }
}
