import { Injectable } from '@nestjs/common';
import { API_GROUPS, type ApiGroup, type IssuedAppKey, type KeyKind } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';
import { AuthConfig } from '../auth.config';
import { appKeyPrefix, generateAppKey } from '../crypto/app-key.format';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { seal } from '../crypto/sealed-box.crypto';
import { AppKeyEntity } from './app-key.entity';

export interface NewKeyParams {
  developerId: string;
  /** The developer's box public key: the clear key is sealed to it and to nothing else. */
  boxPublicKey: string;
  kind: KeyKind;
  name?: string | null;
  /** Carried over on renewal; otherwise the kind's defaults. */
  groups?: ApiGroup[];
  usageLimitPerDay?: number;
  ratePerSecond?: number;
}

/** Mints APP keys: a clear key for the caller once, and a row that holds no usable form of it. */
@Injectable()
export class AppKeyIssuer {
  constructor(
    private readonly config: AuthConfig,
    private readonly secrets: AuthSecrets,
  ) {}

  mint(params: NewKeyParams): { entity: AppKeyEntity; issued: IssuedAppKey } {
    const appKey = generateAppKey(params.kind);
    const sandbox = params.kind === 'sandbox';
    const entity = new AppKeyEntity();
    entity.id = randomUUID();
    entity.developerId = params.developerId;
    entity.name = params.name ?? null;
    entity.kind = params.kind;
    entity.prefix = appKeyPrefix(appKey);
    entity.keyHash = this.secrets.hashToken(appKey);
    entity.groups = params.groups ?? [...API_GROUPS];
    entity.status = 'active';
    entity.usageLimitPerDay =
      params.usageLimitPerDay ??
      (sandbox ? this.config.SANDBOX_USAGE_LIMIT_PER_DAY : this.config.PRODUCTION_USAGE_LIMIT_PER_DAY);
    entity.ratePerSecond =
      params.ratePerSecond ??
      (sandbox ? this.config.SANDBOX_RATE_PER_SECOND : this.config.PRODUCTION_RATE_PER_SECOND);
    entity.usedToday = 0;
    entity.usageDay = null;
    entity.expiresAt = null;
    entity.expiredAt = null;
    entity.sealed = seal(params.boxPublicKey, appKey, sealAad(entity.id));
    entity.createdAt = new Date();
    entity.revokedAt = null;
    entity.lastUsedAt = null;
    return { entity, issued: { keyId: entity.id, prefix: entity.prefix, appKey } };
  }
}

/** Binds a sealed key to its row: a seal copied onto another key does not open. */
export function sealAad(keyId: string): string {
  return `app-key:${keyId}`;
}
