import { Injectable } from '@nestjs/common';
import { SUBJECTS, type AppKeySummary } from '@cloudflow/contracts';
import { RpcClient } from '@cloudflow/platform';
import { DevelopersRepository } from '../developers/developers.repository';
import type { UpdateKeyDto } from './operator.dto';
import { toOperatorKeyView, type OperatorKeyView } from './operator.views';

/** The operator's key management: auth holds and changes the keys, admin adds who owns them. */
@Injectable()
export class OperatorKeysService {
  constructor(
    private readonly developers: DevelopersRepository,
    private readonly rpc: RpcClient,
  ) {}

  async list(email?: string): Promise<OperatorKeyView[]> {
    let developerIds: string[] | undefined;
    if (email !== undefined) {
      const developer = await this.developers.findByEmail(email);
      if (!developer) return [];
      developerIds = [developer.id];
    }
    const { keys } = await this.rpc.send(SUBJECTS.auth.appKeyList, developerIds ? { developerIds } : {});
    return this.withEmails(keys);
  }

  async revoke(keyId: string): Promise<OperatorKeyView> {
    return this.one(await this.rpc.send(SUBJECTS.auth.appKeyRevoke, { keyId }));
  }

  async expire(keyId: string): Promise<OperatorKeyView> {
    return this.one(await this.rpc.send(SUBJECTS.auth.appKeyExpire, { keyId }));
  }

  async renew(keyId: string): Promise<{ keyId: string; appKey: string }> {
    const issued = await this.rpc.send(SUBJECTS.auth.appKeyRenew, { keyId });
    return { keyId: issued.keyId, appKey: issued.appKey };
  }

  async update(keyId: string, changes: UpdateKeyDto): Promise<OperatorKeyView> {
    const { groups, usageLimitPerDay, ratePerSecond, expiresAt } = changes;
    // Only what the operator sent: an absent field stays as it is, an explicit null expiry is kept.
    const request = Object.fromEntries(
      Object.entries({ groups, usageLimitPerDay, ratePerSecond, expiresAt }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    return this.one(await this.rpc.send(SUBJECTS.auth.appKeyUpdate, { keyId, ...request }));
  }

  private async one(key: AppKeySummary): Promise<OperatorKeyView> {
    const [view] = await this.withEmails([key]);
    return view;
  }

  private async withEmails(keys: AppKeySummary[]): Promise<OperatorKeyView[]> {
    const developers = await this.developers.findByIds([...new Set(keys.map((k) => k.developerId))]);
    const emails = new Map(developers.map((d) => [d.id, d.email]));
    return keys.map((k) => toOperatorKeyView(k, emails.get(k.developerId) ?? null));
  }
}
