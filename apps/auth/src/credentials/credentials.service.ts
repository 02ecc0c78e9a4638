import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  TOKEN_AUDIENCES,
  type IssuedAppKey,
  type PortalSession,
  type SetUserCredentialsRequest,
} from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { AppKeyIssuer } from '../app-keys/app-key.issuer';
import { AppKeyRepository } from '../app-keys/app-key.repository';
import { AuthConfig } from '../auth.config';
import { createVault, unlockVault } from '../crypto/developer-vault.crypto';
import { hashSecret, verifyAgainstNothing, verifySecret } from '../crypto/password.crypto';
import type { BoxKeyPair } from '../crypto/sealed-box.crypto';
import { isUniqueViolation } from '../database-errors';
import { AuthEvents } from '../events/auth-events.publisher';
import { RefreshTokenRepository } from '../tokens/refresh-token.repository';
import { SigningKeysService } from '../tokens/signing-keys.service';
import { CredentialsRepository } from './credentials.repository';
import { DeveloperCredentialEntity } from './developer-credential.entity';

/** Developer and tenant-user passwords: registration, checks, and the developer's key box. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly config: AuthConfig,
    private readonly db: DatabaseService,
    private readonly credentials: CredentialsRepository,
    private readonly keys: AppKeyRepository,
    private readonly issuer: AppKeyIssuer,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly signingKeys: SigningKeysService,
    private readonly events: AuthEvents,
  ) {}

  /** Sign-up: the portal password, the developer's box, and the sandbox APP key, in one commit. */
  async registerDeveloper(developerId: string, password: string): Promise<IssuedAppKey> {
    // Cheap check first, so a repeated sign-up does not pay for two argon2 runs.
    if (await this.credentials.findDeveloper(developerId)) throw alreadyRegistered(developerId);
    const vault = await createVault(developerId, password);
    const credential = Object.assign(new DeveloperCredentialEntity(), {
      developerId,
      ...vault,
      createdAt: new Date(),
    });
    const { entity, issued } = this.issuer.mint({
      developerId,
      boxPublicKey: vault.boxPublicKey,
      kind: 'sandbox',
    });
    try {
      await this.db.transaction(async (m) => {
        await this.credentials.insertDeveloper(m, credential);
        await this.keys.insert(m, entity);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyRegistered(developerId);
      throw error;
    }
    await this.events.appKeyChanged(entity.id);
    return issued;
  }

  async developerLogin(developerId: string, password: string): Promise<PortalSession> {
    const credential = await this.credentials.findDeveloper(developerId);
    const ok = credential
      ? await verifySecret(credential.passwordHash, password)
      : await verifyAgainstNothing(password);
    if (!ok) throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid email or password');
    const ttl = this.config.PORTAL_SESSION_TTL_SECONDS;
    const signer = await this.signingKeys.signer();
    const { token } = await signer.sign({
      audience: TOKEN_AUDIENCES.portal,
      subject: developerId,
      ttlSeconds: ttl,
    });
    return { sessionToken: token, expiresIn: ttl };
  }

  /** The developer's box key pair, only with the right portal password. */
  async unlockDeveloperBox(developerId: string, password: string): Promise<BoxKeyPair> {
    const credential = await this.credentials.findDeveloper(developerId);
    const box = credential
      ? await unlockVault(developerId, password, credential)
      : await verifyAgainstNothing(password).then(() => undefined);
    if (!box) throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid password');
    return box;
  }

  /** Sets or replaces a user's password (and PIN). A replaced password ends the user's refresh sessions. */
  async setUserCredentials(request: SetUserCredentialsRequest): Promise<{ ok: true }> {
    const [passwordHash, pinHash] = await Promise.all([
      hashSecret(request.password),
      request.pin === undefined ? Promise.resolve(null) : hashSecret(request.pin),
    ]);
    await this.db.transaction(async (m) => {
      const replaced = await this.credentials.upsertUser(m, {
        userId: request.userId,
        tenantId: request.tenantId,
        passwordHash,
        pinHash,
      });
      if (replaced) await this.refreshTokens.revokeUser(m, request.userId);
    });
    return { ok: true };
  }

  /** True only for an existing user of that tenant with that password. */
  async checkUserPassword(userId: string, tenantId: string, password: string): Promise<boolean> {
    const credential = await this.credentials.findUser(userId);
    if (!credential || credential.tenantId !== tenantId) return verifyAgainstNothing(password);
    return verifySecret(credential.passwordHash, password);
  }

  async userExists(userId: string, tenantId: string): Promise<boolean> {
    const credential = await this.credentials.findUser(userId);
    return credential?.tenantId === tenantId;
  }
}

function alreadyRegistered(developerId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.duplicateItem, `Developer '${developerId}' is already registered`);
}
