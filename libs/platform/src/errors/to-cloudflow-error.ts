import { HttpException } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

const STORAGE_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '08003',
  '53300',
]);

/** True for errors that mean "Postgres is unreachable", as opposed to a bad query. */
export function isStorageOutage(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: errors raised by Node itself may come from another realm (jest).
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown } };
  const code = e.code ?? e.driverError?.code;
  if (typeof code === 'string' && STORAGE_ERROR_CODES.has(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connect ECONNREFUSED|Connection is not established|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * True when the query waited too long for a free pooled connection: Postgres is fine, this
 * process is too busy (issue 9, hole 9: that is overload, answered 429, never `storageFailed`).
 * pg-pool's own text for a pending checkout that timed out; a NEW connection that times out
 * says "Connection terminated due to connection timeout" instead, which is an outage.
 */
export function isPoolBusy(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /^timeout exceeded when trying to connect$/i.test(message);
}

/**
 * Postgres refusing a value as text: 22021 (a U+0000 byte in a text parameter: "invalid byte
 * sequence for encoding UTF8: 0x00") and 22P05 (a `\u0000` in jsonb). Such a value came in a
 * request (the bad-input fuzz sent `?model=%00` and a NUL username): bad input, not a failure.
 */
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05']);

function isUnstorableText(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' && UNSTORABLE_TEXT_CODES.has(code);
}

/**
 * Maps anything thrown to the one error type. Framework errors (body parser, routing) are
 * translated here, so no other place needs to know their shapes. `undefined` means unexpected.
 */
export function toCloudFlowError(error: unknown): CloudFlowError | undefined {
  if (error instanceof CloudFlowError) return error;
  if (isStorageOutage(error))
    return new CloudFlowError(ErrorCode.storageFailed, 'Storage is unavailable; nothing was changed');
  if (isUnstorableText(error))
    return new CloudFlowError(ErrorCode.invalidData, 'Text must not contain U+0000 (NUL) characters');
  if (isPoolBusy(error))
    return new CloudFlowError(
      ErrorCode.tooManyRequests,
      'The service is busy; nothing was changed, please retry',
      { retryAfterSeconds: 1 },
    );
  const bodyParserType = (error as { type?: string } | null)?.type;
  switch (bodyParserType) {
    case 'entity.parse.failed':
      return new CloudFlowError(ErrorCode.invalidData, 'Request body is not valid JSON');
    case 'entity.too.large':
      return new CloudFlowError(ErrorCode.invalidData, 'Request body exceeds 64 KiB');
    case 'entity.too.deep':
      return new CloudFlowError(ErrorCode.invalidData, (error as Error).message);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new CloudFlowError(ErrorCode.invalidData, 'Request body encoding is not supported');
    default:
      break;
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return new CloudFlowError(ErrorCode.notFound, 'No such endpoint');
    if (status === 413) return new CloudFlowError(ErrorCode.invalidData, 'Request body exceeds 64 KiB');
    if (status === 415) return new CloudFlowError(ErrorCode.invalidData, 'Unsupported content type');
    if (status === 401) return new CloudFlowError(ErrorCode.unauthorized, error.message);
    if (status === 403) return new CloudFlowError(ErrorCode.forbidden, error.message);
    if (status === 400 || status === 422) return new CloudFlowError(ErrorCode.invalidData, error.message);
  }
  return undefined;
}
