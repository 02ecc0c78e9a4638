import { Injectable } from '@nestjs/common';
import {
  TOKEN_AUDIENCES,
  type SessionRevokeRequest,
  type TokenStatus,
  type TokenStatusRequest,
} from '@cloudflow/contracts';
import { isUUID } from 'class-validator';
import { CredentialsRepository } from '../credentials/credentials.repository';
import { RevokedTokenRepository } from './revoked-token.repository';

/**
 * Server-side revocation of tokens that verify by signature alone (issue 12): a logged-out
 * portal session, and admin access tokens issued before their user's password changed (or
 * whose user is gone). Verifiers ask this after checking the signature, and cache a yes briefly.
 */
@Injectable()
export class TokenStatusService {
  constructor(
    private readonly revoked: RevokedTokenRepository,
    private readonly credentials: CredentialsRepository,
  ) {}

  async status(request: TokenStatusRequest): Promise<TokenStatus> {
    // Subjects come from signed tokens; checked anyway so nothing odd reaches a uuid column.
    if (!isUUID(request.subject) || (await this.revoked.isRevoked(request.jti))) return { active: false };
    if (request.audience === TOKEN_AUDIENCES.portal) {
      return { active: !!(await this.credentials.findDeveloper(request.subject)) };
    }
    const credential = await this.credentials.findUser(request.subject);
    return { active: !!credential && credential.generation === (request.generation ?? 0) };
  }

  async revokeSession(request: SessionRevokeRequest): Promise<{ ok: true }> {
    await this.revoked.revoke(request.jti, request.developerId, new Date(request.expiresAt * 1000));
    return { ok: true };
  }
}
