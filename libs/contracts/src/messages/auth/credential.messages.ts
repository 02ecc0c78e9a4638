import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { USER_ROLES, type UserRole } from '../admin/user.messages';

/** Sets a developer's portal password and creates the sandbox APP key (at sign-up). */
export class RegisterDeveloperRequest {
  @IsUUID() developerId: string;
  @IsString() @Length(8, 256) password: string;
}

export class DeveloperLoginRequest {
  @IsUUID() developerId: string;
  @IsString() @Length(1, 256) password: string;
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

export class PasswordGrantRequest {
  @IsUUID() userId: string;
  @IsUUID() tenantId: string;
  @IsString() @Length(1, 256) password: string;
  @IsOptional() @IsString() @Length(0, 200) scope?: string;
  /** Goes into the access token's `role` claim; absent = `user` (fail closed). */
  @IsOptional() @IsIn(USER_ROLES) role?: UserRole;
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
export const TOKEN_ISSUER = 'cloudflow-auth';
