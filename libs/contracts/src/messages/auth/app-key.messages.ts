import {
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  MaxLength,
} from 'class-validator';

export const API_GROUPS = ['client', 'device', 'admin'] as const;
export type ApiGroup = (typeof API_GROUPS)[number];
export const KEY_KINDS = ['sandbox', 'production'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
export type KeyStatus = 'active' | 'revoked' | 'expired';

/** Every APP key: the kind marker (`cf_sbx_` / `cf_live_`) and 32 random bytes in base64url. */
const APP_KEY_SHAPE = /^cf_(sbx|live)_[A-Za-z0-9_-]{43}$/;

/** Lets auth and every guard refuse garbage without a round trip (issue 12, item 9). */
export function hasAppKeyShape(value: string): boolean {
  return APP_KEY_SHAPE.test(value);
}

/** What gateways and admin cache about a verified key. Never contains the key itself. */
export interface AppKeyInfo {
  keyId: string;
  prefix: string;
  developerId: string;
  kind: KeyKind;
  status: KeyStatus;
  groups: ApiGroup[];
  usageLimitPerDay: number;
  ratePerSecond: number;
  expiresAt: string | null;
  /**
   * The key's persisted cluster-wide count when verified (verify answers only): seeds an
   * instance's usage limiter before it has seen any usage broadcast for the key.
   */
  usage?: { day: string; usedToday: number };
}

/** The operator's and portal's view of a key. */
export interface AppKeySummary extends AppKeyInfo {
  name: string | null;
  usedToday: number;
  lastUsedAt: string | null;
  createdAt: string;
}

export class VerifyAppKeyRequest {
  @IsString() @Length(1, 256) appKey: string;
}

export class KeyIdRequest {
  @IsUUID() keyId: string;
}

export class DeveloperKeysRequest {
  @IsUUID() developerId: string;
}

export class ListAppKeysRequest {
  @IsOptional() @IsArray() @IsUUID('all', { each: true }) developerIds?: string[];
}

export class RevealAppKeyRequest {
  @IsUUID() developerId: string;
  @IsString() @Length(1, 256) password: string;
  /** As in the credential messages: the caller's address, for counting guesses per address. */
  @IsOptional() @IsString() @Length(1, 64) clientAddress?: string;
}

export class CreateAppKeyRequest {
  @IsUUID() developerId: string;
  @IsIn(KEY_KINDS) kind: KeyKind;
  @IsOptional() @IsString() @Length(1, 100) name?: string;
}

export class UpdateAppKeyRequest {
  @IsUUID() keyId: string;
  @IsOptional() @IsArray() @IsIn(API_GROUPS, { each: true }) groups?: ApiGroup[];
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000) usageLimitPerDay?: number;
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000) ratePerSecond?: number;
  @IsOptional() @IsISO8601() expiresAt?: string | null;
}

export interface IssuedAppKey {
  keyId: string;
  prefix: string;
  /** The clear key: returned once, never stored. */
  appKey: string;
}

export interface AppKeyList {
  keys: AppKeySummary[];
}

/** Broadcast on every change of a key's state, so every instance drops its cached copy. */
export class AppKeyChangedEvent {
  @IsUUID() keyId: string;
}

export interface BlockedEndpoint {
  id: string;
  method: string;
  pathPrefix: string;
}

export class CreateBlockedEndpointRequest {
  @IsIn(['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE']) method: string;
  @IsString() @Length(1, 512) pathPrefix: string;
}

export class BlockedEndpointIdRequest {
  @IsUUID() id: string;
}

export interface BlockedEndpointList {
  items: BlockedEndpoint[];
}

export class EmptyRequest {
  @IsOptional() @IsString() @MaxLength(0) _?: string;
}
