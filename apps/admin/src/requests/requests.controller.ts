import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { SUBJECTS, type RequestLog } from '@cloudflow/contracts';
import { RequiresApiGroup, RpcClient } from '@cloudflow/platform';
import { AdminApiController } from '../admin-api/admin-api.docs';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from '../admin-api/admin-bearer.guard';
import { ListRequestsDocs } from './requests.docs';
import { ListRequestsQuery } from './requests.dto';

/**
 * GET /admin/v1/requests (CONTRACT.md §9): the gateway owns the requests, so admin asks it over
 * NATS for the caller's tenant only; each entry carries its timeline and webhook deliveries.
 */
@RequiresApiGroup('admin')
@AdminApiController('Requests')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1/requests')
export class RequestsController {
  constructor(private readonly rpc: RpcClient) {}

  @Get()
  @ListRequestsDocs()
  list(@AdminCaller() caller: AdminCallerInfo, @Query() query: ListRequestsQuery): Promise<RequestLog> {
    const { accountId, target, status, limit } = query;
    return this.rpc.send(SUBJECTS.gateway.requestList, {
      tenantId: caller.tenantId,
      ...defined({ accountId, target, status, limit }),
    });
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
