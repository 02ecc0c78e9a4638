import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES } from '@cloudflow/contracts';
import { JwtVerifier } from '@cloudflow/platform';
import { isUUID } from 'class-validator';
import type { Request } from 'express';
import { bearerToken } from '../common/bearer';

interface PortalRequest extends Request {
  portalDeveloperId?: string;
}

/**
 * The portal session: a JWT auth issued at portal login (audience portal, sub = developerId),
 * verified locally against auth's public keys.
 */
@Injectable()
export class PortalSessionGuard implements CanActivate {
  constructor(private readonly jwt: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const claims = await this.jwt.verify(bearerToken(req), TOKEN_AUDIENCES.portal);
    // Signed by auth, so well formed; checked anyway so a bad id can never reach a uuid column.
    if (!isUUID(claims.sub)) throw new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
    req.portalDeveloperId = claims.sub;
    return true;
  }
}

/** The signed-in developer's id, set by PortalSessionGuard. */
export const PortalDeveloper = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const id = context.switchToHttp().getRequest<PortalRequest>().portalDeveloperId;
  // Only reachable if a route forgot the guard: fail closed.
  if (!id) throw new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
  return id;
});
