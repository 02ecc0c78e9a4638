import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  TOKEN_AUDIENCES,
  type DeveloperLoginRequest,
  type IssuedAppKey,
  type PasswordGrantRequest,
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
import { GuessThrottle } from '../guessing/guess-throttle.service';
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
    private readonly throttle: GuessThrottle,
  ) {}

  /** Sign-up: the portal password, the developer's box, and the sandbox APP key, in one commit. */
  async registerDeveloper(
    developerId: string,
    password: string,
    clientAddress?: string,
  ): Promise<IssuedAppKey> {
    // Cheap checks first, so a repeated or throttled sign-up does not pay for two argon2 runs.
    if (await this.credentials.findDeveloper(developerId)) throw alreadyRegistered(developerId);
    await this.throttle.signup(clientAddress);
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

  /** An unknown email (no developerId) costs the same argon2 run and counts the same as a wrong password. */
  async developerLogin(request: DeveloperLoginRequest): Promise<PortalSession> {
    const { developerId, password } = request;
    const identifier = (request.email ?? developerId)?.toLowerCase();
    if (!identifier) throw new CloudFlowError(ErrorCode.invalidData, 'email or developerId is required');
    const credential = developerId ? await this.credentials.findDeveloper(developerId) : null;
    const ok = await this.throttle.check('login:email', identifier, request.clientAddress, () =>
      credential ? verifySecret(credential.passwordHash, password) : verifyAgainstNothing(password),
    );
    if (!ok || !credential) throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid email or password');
    const ttl = this.config.PORTAL_SESSION_TTL_SECONDS;
    const signer = await this.signingKeys.signer();
    const { token } = await signer.sign({
      audience: TOKEN_AUDIENCES.portal,
      subject: credential.developerId,
      ttlSeconds: ttl,
    });
    return { sessionToken: token, expiresIn: ttl };
  }

  /** The developer's box key pair, only with the right portal password. */
  async unlockDeveloperBox(
    developerId: string,
    password: string,
    clientAddress?: string,
  ): Promise<BoxKeyPair> {
    const credential = await this.credentials.findDeveloper(developerId);
    const opened: { box?: BoxKeyPair } = {};
    await this.throttle.check('reveal', developerId, clientAddress, async () => {
      opened.box = credential
        ? await unlockVault(developerId, password, credential)
        : await verifyAgainstNothing(password).then(() => undefined);
      return !!opened.box;
    });
    if (!opened.box) throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid password');
    return opened.box;
  }

  /**
   * Sets or replaces a user's password (and PIN). A replaced password ends the user's refresh
   * sessions and, by moving the credential generation on, every access token issued before.
   */
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

  /**
   * The user's credential generation, only for an existing user of that tenant with that
   * password; an unknown user (no userId) costs the same argon2 run and counts the same.
   */
  async checkUserPassword(request: PasswordGrantRequest): Promise<number | undefined> {
    const { userId, tenantId, password } = request;
    const identifier = request.login ?? `${tenantId ?? ''}:${userId ?? ''}`;
    const found = userId ? await this.credentials.findUser(userId) : null;
    const credential = found && found.tenantId === tenantId ? found : null;
    const ok = await this.throttle.check('login:user', identifier, request.clientAddress, () =>
      credential ? verifySecret(credential.passwordHash, password) : verifyAgainstNothing(password),
    );
    return ok && credential ? credential.generation : undefined;
  }

  /** The user's credential generation, if the user still exists in that tenant. */
  async userGeneration(userId: string, tenantId: string): Promise<number | undefined> {
    const credential = await this.credentials.findUser(userId);
    return credential?.tenantId === tenantId ? credential.generation : undefined;
  }
}

function alreadyRegistered(developerId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.duplicateItem, `Developer '${developerId}' is already registered`);
}
