import { Injectable } from '@nestjs/common';
import { SUBJECTS, type BlockedEndpoint } from '@cloudflow/contracts';
import { RpcClient } from '@cloudflow/platform';

/** The platform-wide blocklist lives in auth, which broadcasts every change to all instances. */
@Injectable()
export class BlockedEndpointsService {
  constructor(private readonly rpc: RpcClient) {}

  async list(): Promise<BlockedEndpoint[]> {
    return (await this.rpc.send(SUBJECTS.auth.blockedEndpointList, {})).items;
  }

  create(method: string, pathPrefix: string): Promise<BlockedEndpoint> {
    return this.rpc.send(SUBJECTS.auth.blockedEndpointCreate, { method, pathPrefix });
  }

  async delete(id: string): Promise<void> {
    await this.rpc.send(SUBJECTS.auth.blockedEndpointDelete, { id });
  }
}
