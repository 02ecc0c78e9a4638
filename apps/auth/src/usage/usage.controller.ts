import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SUBJECTS, UsageReportRequest, type UsageTotals } from '@cloudflow/contracts';
import { UsageService } from './usage.service';

/** NATS responder (queue group `auth`) for the batched usage reports. */
@Controller()
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @MessagePattern(SUBJECTS.auth.usageReport)
  report(@Payload() request: UsageReportRequest): Promise<UsageTotals> {
    return this.usage.report(request);
  }
}
