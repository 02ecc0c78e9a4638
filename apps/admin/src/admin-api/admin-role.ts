import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { UserRole } from '@cloudflow/contracts';

export const ADMIN_ROLE_KEY = 'cloudflow:adminRole';
/** The OpenAPI extension every admin operation carries with the role it needs. */
export const ROLE_EXTENSION = 'x-cloudflow-role';
export const ROLE_FORBIDDEN = 'This operation needs the admin role';

/**
 * The role an admin route needs (issue 12, item 4). Without this decorator: reads (GET) are
 * open to every tenant user, everything that changes something needs `admin`.
 */
export const RequiresRole = (role: UserRole) =>
  applyDecorators(SetMetadata(ADMIN_ROLE_KEY, role), ApiExtension(ROLE_EXTENSION, role));

/** One rule for the guard and for the API document. */
export function requiredRole(method: string, declared: UserRole | undefined): UserRole {
  if (declared) return declared;
  return method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD' ? 'user' : 'admin';
}

/** Whether a caller of `role` may use a route that needs `needed`. */
export function roleAllows(role: UserRole, needed: UserRole): boolean {
  return role === 'admin' || needed === 'user';
}
