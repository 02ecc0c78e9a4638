/** Every error code a caller can see (CONTRACT.md §2). */
export enum ErrorCode {
  failed = 'failed',
  unauthorized = 'unauthorized',
  forbidden = 'forbidden',
  notFound = 'notFound',
  duplicateItem = 'duplicateItem',
  connectionLost = 'connectionLost',
  preconditionFailed = 'preconditionFailed',
  storageFailed = 'storageFailed',
  invalidData = 'invalidData',
  tooManyConnections = 'tooManyConnections',
  tooManyRequests = 'tooManyRequests',
}

/** The one code → HTTP status table. A Record over the enum, so a new code without a status does not compile. */
export const ERROR_HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.failed]: 400,
  [ErrorCode.unauthorized]: 401,
  [ErrorCode.forbidden]: 403,
  [ErrorCode.notFound]: 404,
  [ErrorCode.duplicateItem]: 409,
  [ErrorCode.connectionLost]: 410,
  [ErrorCode.preconditionFailed]: 412,
  [ErrorCode.storageFailed]: 417,
  [ErrorCode.invalidData]: 422,
  [ErrorCode.tooManyConnections]: 429,
  [ErrorCode.tooManyRequests]: 429,
};

const CODES = new Set<string>(Object.values(ErrorCode));
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}
