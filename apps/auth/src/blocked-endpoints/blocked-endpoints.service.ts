import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  type BlockedEndpoint,
  type BlockedEndpointList,
} from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../database-errors';
import { AuthEvents } from '../events/auth-events.publisher';
import { BlockedEndpointEntity } from './blocked-endpoint.entity';
import { BlockedEndpointRepository } from './blocked-endpoint.repository';

/** The platform-wide block list; every change is broadcast so gateways reload it at once. */
@Injectable()
export class BlockedEndpointsService {
  constructor(
    private readonly repository: BlockedEndpointRepository,
    private readonly events: AuthEvents,
  ) {}

  async list(): Promise<BlockedEndpointList> {
    return { items: (await this.repository.list()).map(toBlockedEndpoint) };
  }

  async create(method: string, pathPrefix: string): Promise<BlockedEndpoint> {
    // Guards match against request paths, which always start with a slash.
    if (!pathPrefix.startsWith('/'))
      throw new CloudFlowError(ErrorCode.invalidData, 'Invalid data: pathPrefix: must start with /');
    const item = Object.assign(new BlockedEndpointEntity(), {
      id: randomUUID(),
      method,
      pathPrefix,
      createdAt: new Date(),
    });
    try {
      await this.repository.insert(item);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new CloudFlowError(ErrorCode.duplicateItem, `${method} ${pathPrefix} is already blocked`);
      throw error;
    }
    await this.events.blockedEndpointsChanged();
    return toBlockedEndpoint(item);
  }

  async delete(id: string): Promise<{ ok: true }> {
    if (!(await this.repository.delete(id)))
      throw new CloudFlowError(ErrorCode.notFound, `Blocked endpoint '${id}' does not exist`);
    await this.events.blockedEndpointsChanged();
    return { ok: true };
  }
}

function toBlockedEndpoint(item: BlockedEndpointEntity): BlockedEndpoint {
  return { id: item.id, method: item.method, pathPrefix: item.pathPrefix };
}
