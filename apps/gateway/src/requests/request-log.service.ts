import { Injectable } from '@nestjs/common';
import { REQUEST_LOG_PAGE, type ListRequestsRequest, type RequestLog } from '@cloudflow/contracts';
import { deliveryKey, WebhookOutbox } from '../webhooks/webhook-outbox.port';
import { DeadLettersRepository } from './dead-letters.repository';
import { toLogEntry } from './request-views';
import { RequestsRepository } from './requests.repository';

/** A tenant's request log, newest first, each with its timeline and webhook deliveries. */
@Injectable()
export class RequestLogService {
  constructor(
    private readonly repo: RequestsRepository,
    private readonly outbox: WebhookOutbox,
    private readonly deadLetters: DeadLettersRepository,
  ) {}

  async list(req: ListRequestsRequest): Promise<RequestLog> {
    const { tenantId, accountId, target, status } = req;
    const limit = req.limit ?? REQUEST_LOG_PAGE.default;
    const { rows, messages } = await this.repo.listWithTimelines(
      tenantId,
      { accountId, target, status },
      limit,
    );
    const [deliveries, deadLetters] = await Promise.all([
      this.outbox.deliveriesFor(
        tenantId,
        rows.filter((r) => r.mode === 'async'),
      ),
      // Dead letters have no status and often no known target: only the account filter applies; a status or target filter asks for requests only.
      status || target ? Promise.resolve([]) : this.deadLetters.list(tenantId, { accountId }, limit),
    ]);
    return {
      requests: rows.map((r) =>
        toLogEntry(
          r,
          messages.get(r.id) ?? [],
          r.mode === 'async' ? (deliveries.get(deliveryKey(r)) ?? []) : [],
        ),
      ),
      deadLetters,
    };
  }
}
