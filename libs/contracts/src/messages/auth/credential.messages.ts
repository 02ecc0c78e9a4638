import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Min } from 'class-validator';
import { USER_ROLES, type UserRole } from '../admin/user.messages';

/** Sets a developer's portal password and creates the sandbox APP key (at sign-up). */
export class RegisterDeveloperRequest {
  @IsUUID() developerId: string;
  @IsString() @Length(8, 256) password: string;
  /** The caller's address as the HTTP service saw it (`req.ip` after TRUST_PROXY): guesses and sign-ups are counted per address too. */
  @IsOptional() @IsString() @Length(1, 64) clientAddress?: string;
}

/**
 * A portal log-in. `email` is what guesses are counted on; `developerId` is absent when no
 * developer has that email, and auth then spends the same argon2 time and counts the same.
 */
export class DeveloperLoginRequest {
  @IsOptional() @IsUUID() developerId?: string;
  @IsOptional() @IsString() @Length(1, 320) email?: string;
  @IsString() @Length(1, 256) password: string;
  /** The caller's address as the HTTP service saw it (`req.ip` after TRUST_PROXY): guesses and sign-ups are counted per address too. */
  @IsOptional() @IsString() @Length(1, 64) clientAddress?: string;
}

export interface PortalSession {
  sessionToken: string;
  expiresIn: number;
}

export class SetUserCredentialsRequest {
  @IsUUID() userId: string;
  @IsUUID() tenantId: string;
  @IsString() @Length(8, 256) password: string;
  @IsOptional() @IsString() @Matches(/^[0-9]{4,12}$/, { message: 'pin must be 4 to 12 digits' }) pin?: string;
}

/**
 * The OAuth password grant. `login` (the APP key's business + username) is what guesses are
 * counted on; userId/tenantId are absent when that business has no such user, and auth then
 * spends the same argon2 time and counts the same.
 */
export class PasswordGrantRequest {
  @IsOptional() @IsUUID() userId?: string;
  @IsOptional() @IsUUID() tenantId?: string;
  @IsOptional() @IsString() @Length(1, 600) login?: string;
  @IsString() @Length(1, 256) password: string;
  @IsOptional() @IsString() @Length(0, 200) scope?: string;
  /** Goes into the access token's `role` claim; absent = `user` (fail closed). */
  @IsOptional() @IsIn(USER_ROLES) role?: UserRole;
  /** The caller's address as the HTTP service saw it (`req.ip` after TRUST_PROXY): guesses and sign-ups are counted per address too. */
  @IsOptional() @IsString() @Length(1, 64) clientAddress?: string;
}

export class RefreshGrantRequest {
  @IsString() @Length(1, 512) refreshToken: string;
}

export interface TokenPair {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export class JwksRequest {
  @IsOptional() @IsIn(['all']) which?: 'all';
}

/** Public JSON Web Keys the verifiers trust (Ed25519, `alg: EdDSA`). */
export interface Jwks {
  keys: Array<Record<string, string>>;
}

/** Audiences of the tokens auth issues; a token for one never passes as another. */
export const TOKEN_AUDIENCES = {
  admin: 'cloudflow-admin',
  portal: 'cloudflow-portal',
  websocket: 'cloudflow-ws',
} as const;
export type TokenAudience = (typeof TOKEN_AUDIENCES)[keyof typeof TOKEN_AUDIENCES];
export const TOKEN_ISSUER = 'cloudflow-auth';

/** The JOSE `typ` of each kind of token (RFC 8725 §3.11 explicit typing; `at+jwt` is RFC 9068's). */
export const TOKEN_TYPES: Readonly<Record<TokenAudience, string>> = {
  [TOKEN_AUDIENCES.admin]: 'at+jwt',
  [TOKEN_AUDIENCES.portal]: 'portal-session+jwt',
  [TOKEN_AUDIENCES.websocket]: 'ws+jwt',
};

/** Is this verified token still honoured (not logged out, not issued before a password change)? */
export class TokenStatusRequest {
  @IsIn([TOKEN_AUDIENCES.admin, TOKEN_AUDIENCES.portal]) audience: TokenAudience;
  @IsString() @Length(1, 200) subject: string;
  @IsUUID() jti: string;
  /** An access token's `gen`: the user's credential generation it was issued under. */
  @IsOptional() @IsInt() @Min(0) generation?: number;
}

export interface TokenStatus {
  active: boolean;
}

/** Portal log-out: the session's jti is refused until the token would have expired anyway. */
export class SessionRevokeRequest {
  @IsUUID() developerId: string;
  @IsUUID() jti: string;
  /** `exp`, in seconds. */
  @IsInt() @Min(0) expiresAt: number;
}
