import { CloudFlowError } from './cloudflow-error';
import { ErrorCode } from './error-code';

/**
 * The APP-key errors of seed 000 with their exact texts. The body carries the seed's `error`
 * field and the CloudFlow fields (CONTRACT.md §3).
 */
export const APP_KEY_MESSAGES = {
  missing: 'Authorization field missing',
  invalid: 'Invalid APP key',
  expired: 'Key has expired, please renew',
  groupDisallowed: 'Access to this API has been disallowed',
  endpointBlocked: 'Requested endpoint is forbidden',
  usageExceeded: 'Usage limit exceeded',
} as const;

export type AppKeyProblem = keyof typeof APP_KEY_MESSAGES;

const CODES: Record<AppKeyProblem, ErrorCode> = {
  missing: ErrorCode.unauthorized,
  invalid: ErrorCode.unauthorized,
  expired: ErrorCode.unauthorized,
  groupDisallowed: ErrorCode.forbidden,
  endpointBlocked: ErrorCode.forbidden,
  usageExceeded: ErrorCode.tooManyRequests,
};

export function appKeyError(problem: AppKeyProblem, retryAfterSeconds?: number): CloudFlowError {
  const message = APP_KEY_MESSAGES[problem];
  return new CloudFlowError(CODES[problem], message, { extra: { error: message }, retryAfterSeconds });
}
