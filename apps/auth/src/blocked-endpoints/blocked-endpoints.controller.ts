import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BlockedEndpointIdRequest,
  CreateBlockedEndpointRequest,
  EmptyRequest,
  SUBJECTS,
  type RpcResponse,
} from '@cloudflow/contracts';
import { BlockedEndpointsService } from './blocked-endpoints.service';

const S = SUBJECTS.auth;
type Reply<K extends keyof typeof S> = Promise<RpcResponse<(typeof S)[K]>>;

/** NATS responders for the platform-wide endpoint block list. */
@Controller()
export class BlockedEndpointsController {
  constructor(private readonly blocked: BlockedEndpointsService) {}

  @MessagePattern(S.blockedEndpointList)
  list(@Payload() _request: EmptyRequest): Reply<'blockedEndpointList'> {
    return this.blocked.list();
  }

  @MessagePattern(S.blockedEndpointCreate)
  create(@Payload() request: CreateBlockedEndpointRequest): Reply<'blockedEndpointCreate'> {
    return this.blocked.create(request.method, request.pathPrefix);
  }

  @MessagePattern(S.blockedEndpointDelete)
  delete(@Payload() request: BlockedEndpointIdRequest): Reply<'blockedEndpointDelete'> {
    return this.blocked.delete(request.id);
  }
}
