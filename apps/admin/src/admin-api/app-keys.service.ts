import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import { RpcClient } from '@cloudflow/platform';
import { DevelopersRepository } from '../developers/developers.repository';

export interface NewAppKeyView {
  keyId: string;
  prefix: string;
  name: string;
  /** The clear key, shown only in this response. */
  appKey: string;
}

/** Named production keys, one per interface (seed 000: "In production accounts, you can create multiple APP keys"). */
@Injectable()
export class AppKeysService {
  constructor(
    private readonly developers: DevelopersRepository,
    private readonly rpc: RpcClient,
  ) {}

  async create(developerId: string, name: string): Promise<NewAppKeyView> {
    const developer = await this.developers.findById(developerId);
    if (developer?.kind !== 'production') {
      throw new CloudFlowError(
        ErrorCode.forbidden,
        'Only production accounts can create more APP keys; contact Sales to upgrade',
      );
    }
    const key = await this.rpc.send(SUBJECTS.auth.appKeyCreate, { developerId, kind: 'production', name });
    return { keyId: key.keyId, prefix: key.prefix, name, appKey: key.appKey };
  }
}
