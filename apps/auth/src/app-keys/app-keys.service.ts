import { Injectable } from '@nestjs/common';
import {
  appKeyError,
  CloudFlowError,
  ErrorCode,
  type AppKeyInfo,
  type AppKeyList,
  type IssuedAppKey,
  type KeyKind,
} from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { hasAppKeyShape } from '../crypto/app-key.format';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { open } from '../crypto/sealed-box.crypto';
import { CredentialsRepository } from '../credentials/credentials.repository';
import { CredentialsService } from '../credentials/credentials.service';
import { AuthEvents } from '../events/auth-events.publisher';
import { AppKeyIssuer, sealAad } from './app-key.issuer';
import { keyStatus, toAppKeyInfo, toAppKeySummary } from './app-key.mapper';
import { AppKeyRepository } from './app-key.repository';

/** Verifying, listing, issuing and revealing APP keys. Operator state changes: AppKeyLifecycleService. */
@Injectable()
export class AppKeysService {
  constructor(
    private readonly db: DatabaseService,
    private readonly keys: AppKeyRepository,
    private readonly issuer: AppKeyIssuer,
    private readonly secrets: AuthSecrets,
    private readonly credentialsRepository: CredentialsRepository,
    private readonly credentials: CredentialsService,
    private readonly events: AuthEvents,
  ) {}

  /**
   * Unknown and revoked keys are refused; an expired key is answered with status 'expired' for
   * the guard. Usage (and last use) is recorded by the batched usage reports, not here; the
   * answer carries today's persisted count so a fresh instance starts from the cluster's total.
   */
  async verify(appKey: string): Promise<AppKeyInfo> {
    if (!hasAppKeyShape(appKey)) throw appKeyError('invalid');
    const key = await this.keys.findByHash(this.secrets.hashToken(appKey));
    if (!key || key.status === 'revoked') throw appKeyError('invalid');
    const info = toAppKeyInfo(key);
    return key.usageDay ? { ...info, usage: { day: key.usageDay, usedToday: key.usedToday } } : info;
  }

  async list(developerIds?: string[]): Promise<AppKeyList> {
    return { keys: (await this.keys.list(developerIds)).map(toAppKeySummary) };
  }

  async create(developerId: string, kind: KeyKind, name?: string): Promise<IssuedAppKey> {
    const developer = await this.credentialsRepository.findDeveloper(developerId);
    if (!developer) throw new CloudFlowError(ErrorCode.notFound, `Developer '${developerId}' does not exist`);
    const { entity, issued } = this.issuer.mint({
      developerId,
      boxPublicKey: developer.boxPublicKey,
      kind,
      name,
    });
    await this.db.transaction((m) => this.keys.insert(m, entity));
    await this.events.appKeyChanged(entity.id);
    return issued;
  }

  /** The developer's newest active key in clear, opened with the box their password unlocks. */
  async reveal(developerId: string, password: string, clientAddress?: string): Promise<IssuedAppKey> {
    const box = await this.credentials.unlockDeveloperBox(developerId, password, clientAddress);
    const key = (await this.keys.list([developerId])).find((k) => keyStatus(k) === 'active');
    if (!key) throw new CloudFlowError(ErrorCode.notFound, 'There is no active APP key to reveal');
    return { keyId: key.id, prefix: key.prefix, appKey: open(box, key.sealed, sealAad(key.id)) };
  }
}
