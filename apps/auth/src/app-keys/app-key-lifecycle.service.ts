import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  type AppKeySummary,
  type IssuedAppKey,
  type UpdateAppKeyRequest,
} from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import type { EntityManager } from 'typeorm';
import { CredentialsRepository } from '../credentials/credentials.repository';
import { AuthEvents } from '../events/auth-events.publisher';
import type { AppKeyEntity } from './app-key.entity';
import { AppKeyIssuer } from './app-key.issuer';
import { toAppKeySummary } from './app-key.mapper';
import { AppKeyRepository } from './app-key.repository';

/** The operator's state changes on a key; each is broadcast after commit so caches drop the key. */
@Injectable()
export class AppKeyLifecycleService {
  constructor(
    private readonly db: DatabaseService,
    private readonly keys: AppKeyRepository,
    private readonly issuer: AppKeyIssuer,
    private readonly credentials: CredentialsRepository,
    private readonly events: AuthEvents,
  ) {}

  revoke(keyId: string): Promise<AppKeySummary> {
    return this.change(keyId, (key) => {
      if (key.status === 'revoked') return;
      key.status = 'revoked';
      key.revokedAt = new Date();
    });
  }

  /** Forced expiry: the key answers "Key has expired, please renew" until renewed. */
  expire(keyId: string): Promise<AppKeySummary> {
    return this.change(keyId, (key) => {
      key.expiredAt ??= new Date();
    });
  }

  update(request: UpdateAppKeyRequest): Promise<AppKeySummary> {
    return this.change(request.keyId, (key) => {
      if (request.groups !== undefined) key.groups = [...new Set(request.groups)];
      if (request.usageLimitPerDay !== undefined) key.usageLimitPerDay = request.usageLimitPerDay;
      if (request.ratePerSecond !== undefined) key.ratePerSecond = request.ratePerSecond;
      // Absent leaves the expiry alone; null clears it.
      if (request.expiresAt !== undefined)
        key.expiresAt = request.expiresAt === null ? null : new Date(request.expiresAt);
    });
  }

  /** A new key for the same owner, kind, name, groups and limits; the old one is revoked. */
  async renew(keyId: string): Promise<IssuedAppKey> {
    const issued = await this.db.transaction(async (m) => {
      const old = await this.lockedKey(m, keyId);
      const developer = await this.credentials.findDeveloper(old.developerId, m);
      if (!developer)
        throw new CloudFlowError(ErrorCode.notFound, `Developer '${old.developerId}' does not exist`);
      const { entity, issued } = this.issuer.mint({
        developerId: old.developerId,
        boxPublicKey: developer.boxPublicKey,
        kind: old.kind,
        name: old.name,
        groups: old.groups,
        usageLimitPerDay: old.usageLimitPerDay,
        ratePerSecond: old.ratePerSecond,
      });
      await this.keys.insert(m, entity);
      if (old.status !== 'revoked') {
        old.status = 'revoked';
        old.revokedAt = new Date();
        await this.keys.save(m, old);
      }
      return issued;
    });
    await this.events.appKeyChanged(keyId, issued.keyId);
    return issued;
  }

  private async change(keyId: string, apply: (key: AppKeyEntity) => void): Promise<AppKeySummary> {
    const key = await this.db.transaction(async (m) => {
      const locked = await this.lockedKey(m, keyId);
      apply(locked);
      return this.keys.save(m, locked);
    });
    await this.events.appKeyChanged(keyId);
    return toAppKeySummary(key);
  }

  private async lockedKey(manager: EntityManager, keyId: string): Promise<AppKeyEntity> {
    const key = await this.keys.findForUpdate(manager, keyId);
    if (!key) throw new CloudFlowError(ErrorCode.notFound, `APP key '${keyId}' does not exist`);
    return key;
  }
}
