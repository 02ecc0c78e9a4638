import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES, USER_ROLES, type UserRole } from '@cloudflow/contracts';
import type { RequestWithAppKey } from '@cloudflow/access';
import { JwtVerifier } from '@cloudflow/platform';
import { isUUID } from 'class-validator';
import { bearerToken } from '../common/bearer';
import { TenantsRepository } from '../tenants/tenants.repository';
import { ADMIN_ROLE_KEY, requiredRole, roleAllows, ROLE_FORBIDDEN } from './admin-role';

/** Who is calling the admin API: a tenant user, with the tenant every query is scoped to. */
export interface AdminCallerInfo {
  userId: string;
  tenantId: string;
  /** The developer who owns the tenant (and the APP key the call came with). */
  developerId: string;
  /** From the access token's `role` claim; a token without one is a `user` (fail closed). */
  role: UserRole;
}

interface AdminRequest extends RequestWithAppKey {
  adminCaller?: AdminCallerInfo;
}

const UNAUTHORIZED = 'Missing or invalid Authorization bearer token';

/**
 * The admin API's second layer, after the global APP-key guard: `Authorization: Bearer
 * <access_token>` from the OAuth password grant (audience admin, sub = userId, tid = tenantId).
 * Reusable on every /admin/v1 controller: `@UseGuards(AdminBearerGuard)` + `@AdminCaller()`.
 * Then the role: a route needs what `requiredRole` says (reads `user`, changes `admin`).
 */
@Injectable()
export class AdminBearerGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtVerifier,
    private readonly tenants: TenantsRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const claims = await this.jwt.verify(bearerToken(req), TOKEN_AUDIENCES.admin);
    const tenantId = typeof claims.tid === 'string' ? claims.tid : undefined;
    if (!tenantId || !isUUID(tenantId) || !isUUID(claims.sub))
      throw new CloudFlowError(ErrorCode.unauthorized, UNAUTHORIZED);
    const tenant = await this.tenants.findById(tenantId);
    if (!tenant) throw new CloudFlowError(ErrorCode.unauthorized, UNAUTHORIZED);
    // The password grant only logs in users of the key owner's business; hold every call to the same rule.
    if (req.appKey && req.appKey.developerId !== tenant.developerId) {
      throw new CloudFlowError(
        ErrorCode.forbidden,
        'The access token belongs to another business than the APP key',
      );
    }
    const role: UserRole = USER_ROLES.includes(claims.role as UserRole) ? (claims.role as UserRole) : 'user';
    const declared = this.reflector.getAllAndOverride<UserRole | undefined>(ADMIN_ROLE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roleAllows(role, requiredRole(req.method, declared)))
      throw new CloudFlowError(ErrorCode.forbidden, ROLE_FORBIDDEN);
    req.adminCaller = { userId: claims.sub, tenantId, developerId: tenant.developerId, role };
    return true;
  }
}

/** The verified caller, set by AdminBearerGuard. */
export const AdminCaller = createParamDecorator((_: unknown, context: ExecutionContext): AdminCallerInfo => {
  const caller = context.switchToHttp().getRequest<AdminRequest>().adminCaller;
  // Only reachable if a route forgot the guard: fail closed.
  if (!caller) throw new CloudFlowError(ErrorCode.unauthorized, UNAUTHORIZED);
  return caller;
});
