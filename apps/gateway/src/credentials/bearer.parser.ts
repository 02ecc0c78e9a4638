import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** The one answer for every unusable Client/Device API bearer (seed 001's 401 text). */
export const BEARER_INVALID_MESSAGE = 'Missing or invalid Authorization bearer token';

export function invalidBearer(): CloudFlowError {
  return new CloudFlowError(ErrorCode.unauthorized, BEARER_INVALID_MESSAGE);
}

// A credential is three short fields; anything far longer is not one, and is not worth decoding.
const MAX_TOKEN_CHARS = 2048;
const BEARER = /^Bearer +([A-Za-z0-9+/_-]+={0,2})$/i;

export interface ParsedBearer<T> {
  /** The encoded token as sent: the cache key material (hashed, never stored in clear). */
  token: string;
  credential: T;
}

/**
 * Decodes `Authorization: Bearer <base64 of a JSON credential>` into a validated instance of
 * `cls` (a contracts class). Every way it can be wrong — missing, not base64, not JSON, not an
 * object, missing or mistyped fields — is the same 401, never a 500 and never a hint at which.
 * Unknown extra fields are dropped, not refused: only the known ones travel to auth.
 */
export function parseBearer<T extends object>(
  header: string | string[] | undefined,
  cls: new () => T,
): ParsedBearer<T> {
  const token = bearerToken(header);
  return { token, credential: decodeBearer(token, cls) };
}

/** The encoded token of the header (the cheap part of parseBearer: a cached token needs no more). */
export function bearerToken(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? BEARER.exec(value.trim()) : null;
  if (!match || match[1].length > MAX_TOKEN_CHARS) throw invalidBearer();
  return match[1];
}

/** The token's credential, validated (class-transformer + class-validator: the costly part). */
export function decodeBearer<T extends object>(token: string, cls: new () => T): T {
  let decoded: unknown;
  try {
    // Node's base64 decoder reads both alphabets (standard and URL-safe), padded or not.
    decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalidBearer();
  }
  if (!decoded || typeof decoded !== 'object' || Array.isArray(decoded)) throw invalidBearer();
  const credential = plainToInstance(cls, decoded, { excludeExtraneousValues: false });
  if (validateSync(credential, { whitelist: true, forbidUnknownValues: true }).length > 0)
    throw invalidBearer();
  return credential;
}
