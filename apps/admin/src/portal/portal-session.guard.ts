import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES } from '@cloudflow/contracts';
import { JwtVerifier } from '@cloudflow/platform';
import { isUUID } from 'class-validator';
import type { Request } from 'express';
import { bearerToken } from '../common/bearer';

/** The verified session: who, and which token (so log-out can revoke exactly this one). */
export interface PortalSessionInfo {
  developerId: string;
  jti: string;
  /** `exp`, seconds. */
  expiresAt: number;
}

interface PortalRequest extends Request {
  portalDeveloperId?: string;
  portalSession?: PortalSessionInfo;
}

/**
 * The portal session: a JWT auth issued at portal login (audience portal, sub = developerId),
 * verified locally against auth's public keys, then asked about at auth (logged out?) by the
 * verifier, which believes a "still active" for 5 s.
 */
@Injectable()
export class PortalSessionGuard implements CanActivate {
  constructor(private readonly jwt: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const claims = await this.jwt.verify(bearerToken(req), TOKEN_AUDIENCES.portal);
    // Signed by auth, so well formed; checked anyway so a bad id can never reach a uuid column.
    if (!isUUID(claims.sub))
      throw new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
    req.portalDeveloperId = claims.sub;
    req.portalSession = { developerId: claims.sub, jti: claims.jti!, expiresAt: claims.exp! };
    return true;
  }
}

/** The verified session, set by PortalSessionGuard. */
export const PortalSession = createParamDecorator(
  (_: unknown, context: ExecutionContext): PortalSessionInfo => {
    const session = context.switchToHttp().getRequest<PortalRequest>().portalSession;
    if (!session)
      throw new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
    return session;
  },
);

/** The signed-in developer's id, set by PortalSessionGuard. */
export const PortalDeveloper = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const id = context.switchToHttp().getRequest<PortalRequest>().portalDeveloperId;
  // Only reachable if a route forgot the guard: fail closed.
  if (!id) throw new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
  return id;
});
