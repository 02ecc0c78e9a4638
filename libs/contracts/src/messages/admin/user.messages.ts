import { IsString, IsUUID, Length } from 'class-validator';

/** Resolves the tenant user a password grant names, in the tenant of the APP key's developer. */
export class FindLoginUserRequest {
  @IsUUID() developerId: string;
  @IsString() @Length(1, 100) username: string;
}

/**
 * A tenant user's role (issue 12, item 4): `admin` (the business's one admin, made in the
 * portal) may change everything; `user` (made with POST /admin/v1/users) only reads devices,
 * accounts (never their secrets), the tenant profile and the request log.
 */
export const USER_ROLES = ['admin', 'user'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface LoginUser {
  userId: string;
  tenantId: string;
  role: UserRole;
}
