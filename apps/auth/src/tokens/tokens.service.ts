import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  TOKEN_AUDIENCES,
  type PasswordGrantRequest,
  type TokenPair,
  type UserRole,
} from '@cloudflow/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuthConfig } from '../auth.config';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { CredentialsService } from '../credentials/credentials.service';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenRepository } from './refresh-token.repository';
import { SigningKeysService } from './signing-keys.service';
import type { TokenSigner } from './token.signer';

/** Scopes an access token may carry; the admin API is the only audience so far. */
const SCOPES = new Set(['admin']);
const DEFAULT_SCOPE = 'admin';

interface Grant {
  userId: string;
  tenantId: string;
  scope: string;
  familyId: string;
  /** Carried in the access token (issue 12, item 4); a refresh keeps the family's role. */
  role: UserRole | null;
  /** The user's credential generation: a password change moves it on and this token stops working. */
  generation: number;
}

/** OAuth grants for tenant users: password and refresh_token, with refresh-token rotation. */
@Injectable()
export class TokensService {
  constructor(
    private readonly config: AuthConfig,
    private readonly secrets: AuthSecrets,
    private readonly credentials: CredentialsService,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly signingKeys: SigningKeysService,
  ) {}

  async passwordGrant(request: PasswordGrantRequest): Promise<TokenPair> {
    const scope = normalizeScope(request.scope);
    const generation = await this.credentials.checkUserPassword(request);
    if (generation === undefined || !request.userId || !request.tenantId)
      throw invalidGrant('Invalid username or password');
    const signer = await this.signingKeys.signer();
    const grant = {
      userId: request.userId,
      tenantId: request.tenantId,
      scope,
      familyId: randomUUID(),
      role: request.role ?? 'user',
      generation,
    };
    return this.refreshTokens.transaction((m) => this.issue(m, signer, grant));
  }

  /**
   * Rotation: a refresh token works once and yields a new one in the same family. A used token
   * presented again means it was copied, so the whole family is revoked (RFC 6819 §5.2.2.3).
   */
  async refreshGrant(refreshToken: string): Promise<TokenPair> {
    const signer = await this.signingKeys.signer();
    const tokenHash = this.secrets.hashToken(refreshToken);
    // Revocation must commit, so the transaction returns the outcome and the error is thrown after it.
    const outcome = await this.refreshTokens.transaction(async (m): Promise<TokenPair | undefined> => {
      const row = await this.refreshTokens.findForUpdate(m, tokenHash);
      if (!row || row.revokedAt) return undefined;
      const generation = row.usedAt
        ? undefined
        : await this.credentials.userGeneration(row.userId, row.tenantId);
      if (generation === undefined) {
        await this.refreshTokens.revokeFamily(m, row.familyId);
        return undefined;
      }
      if (row.expiresAt.getTime() <= Date.now()) return undefined;
      await this.refreshTokens.markUsed(m, row.id);
      return this.issue(m, signer, { ...row, generation });
    });
    if (!outcome) throw invalidGrant('Invalid or expired refresh token');
    return outcome;
  }

  private async issue(manager: EntityManager, signer: TokenSigner, grant: Grant): Promise<TokenPair> {
    const ttl = this.config.ACCESS_TOKEN_TTL_SECONDS;
    const { token } = await signer.sign({
      audience: TOKEN_AUDIENCES.admin,
      subject: grant.userId,
      ttlSeconds: ttl,
      // A family older than the role column has none: `user` until the next password log-in (fail closed).
      claims: { tid: grant.tenantId, scope: grant.scope, role: grant.role ?? 'user', gen: grant.generation },
    });
    const refreshToken = randomBytes(32).toString('base64url');
    const row = Object.assign(new RefreshTokenEntity(), {
      id: randomUUID(),
      familyId: grant.familyId,
      userId: grant.userId,
      tenantId: grant.tenantId,
      tokenHash: this.secrets.hashToken(refreshToken),
      scope: grant.scope,
      role: grant.role ?? 'user',
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(),
    });
    await this.refreshTokens.insert(manager, row);
    return {
      access_token: token,
      token_type: 'bearer',
      expires_in: ttl,
      refresh_token: refreshToken,
      scope: grant.scope,
    };
  }
}

/** RFC 6749 §5.2's error fields ride along with the CloudFlow ones. */
function invalidGrant(description: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.unauthorized, description, {
    extra: { error: 'invalid_grant', error_description: description },
  });
}

function normalizeScope(requested: string | undefined): string {
  const scopes = (requested ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) return DEFAULT_SCOPE;
  const unknown = scopes.filter((s) => !SCOPES.has(s));
  if (unknown.length) {
    const description = `Unknown scope: ${unknown.join(' ')}`;
    throw new CloudFlowError(ErrorCode.invalidData, description, {
      extra: { error: 'invalid_scope', error_description: description },
    });
  }
  return [...new Set(scopes)].join(' ');
}
