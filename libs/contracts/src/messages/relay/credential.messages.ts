import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Min,
} from 'class-validator';

/** Ids chosen by tenants: case-sensitive, printable, no spaces. */
export const EXTERNAL_ID = /^[A-Za-z0-9._:@-]+$/;

export class AccountRef {
  @IsString() @Length(1, 64) tenantId: string;
  @IsString() @Length(1, 64) @Matches(EXTERNAL_ID) accountId: string;
}

export class DeviceRef extends AccountRef {
  @IsString() @Length(1, 100) @Matches(EXTERNAL_ID) referenceId: string;
}

/** Creates or rotates an account's API token (returned once, stored as a keyed hash). */
export class SetAccountCredentialRequest extends AccountRef {}

/** Creates or rotates a device's API token; model + serialNumber identify it at enrolment. */
export class SetDeviceCredentialRequest extends DeviceRef {
  @IsString() @Length(1, 100) model: string;
  @IsString() @Length(1, 100) serialNumber: string;
}

export interface IssuedApiToken {
  apiToken: string;
}

/** The Client API bearer, decoded (CONTRACT.md §5). */
export class VerifyAccountRequest {
  @IsString() @Length(1, 64) accountId: string;
  @IsString() @Length(1, 256) apiToken: string;
}

/** The Device API bearer, decoded (CONTRACT.md §6). */
export class VerifyDeviceRequest {
  @IsString() @Length(1, 100) model: string;
  @IsString() @Length(1, 100) serialNumber: string;
  @IsString() @Length(1, 256) apiToken: string;
}

export interface VerifiedAccount {
  tenantId: string;
  accountId: string;
}

export interface VerifiedDevice extends VerifiedAccount {
  referenceId: string;
}

export class DeleteCredentialRequest extends AccountRef {
  @IsOptional() @IsString() @Length(1, 100) referenceId?: string;
}

export class WebsocketTokenRequest extends AccountRef {
  @IsIn(['client', 'device']) kind: 'client' | 'device';
  @IsOptional() @IsString() @Length(1, 100) referenceId?: string;
  /** The APP key a client token is issued under: the hub counts its sync payments against it (billing). */
  @IsOptional() @IsUUID() appKeyId?: string;
}

export interface WebsocketToken {
  accessToken: string;
  expiresIn: number;
}

/**
 * Broadcast when access ends: a token rotated, a device disabled or deleted, an account deleted.
 * Caches drop the entry; hubs close the matching sockets with 4401 within 5 s.
 */
export class AccessRevokedEvent extends AccountRef {
  /** Absent: the whole account (every client and device socket of it). */
  @IsOptional() @IsString() referenceId?: string;
  /** Which credential: the account's own (client sockets) or a device's. */
  @IsIn(['account', 'device']) scope: 'account' | 'device';
  @IsOptional() @IsBoolean() deleted?: boolean;
  /**
   * When the revocation took effect (auth's clock, ms since the epoch), set by auth for rotations
   * and deletions: websocket tokens minted before it (`WebsocketClaims.ims`) no longer open a
   * socket, and open sockets from before it close; later ones are left alone. Absent (a device
   * disabled by admin): every matching socket closes, whatever its token.
   */
  @IsOptional() @IsInt() @Min(0) at?: number;
}

/** Devices one credential check may name (a hub asks per account, in chunks of this). */
export const CREDENTIAL_CHECK_MAX = 500;

/**
 * A hub re-checking the credentials its open sockets rest on, after NATS came back (it may have
 * missed `accessRevoked` broadcasts meanwhile): the account's own credential (client sockets)
 * and/or some of its devices'.
 */
export class CredentialCheckRequest extends AccountRef {
  @IsBoolean() account: boolean;
  @IsArray()
  @ArrayMaxSize(CREDENTIAL_CHECK_MAX)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @Matches(EXTERNAL_ID, { each: true })
  referenceIds: string[];
}

/** One credential as auth holds it: gone (deleted), or its latest rotation (ms, absent if never rotated). */
export interface CredentialState {
  exists: boolean;
  rotatedAt?: number;
}

export interface CredentialCheck {
  /** Present when asked for. */
  account?: CredentialState;
  /** One per asked referenceId, in the order asked. */
  devices: Array<CredentialState & { referenceId: string }>;
}

/** Creates (or replaces) an account's webhook signing secret: returned once, kept encrypted by auth. */
export class WebhookSecretRequest extends AccountRef {}

export interface WebhookSecret {
  webhookSecret: string;
  /** During a rotation's overlap (issue 14): the old secret, which still signs beside the new one until then. */
  previous?: { webhookSecret: string; expiresAt: string };
}
