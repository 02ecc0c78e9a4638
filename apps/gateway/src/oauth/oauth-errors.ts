import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

/** RFC 6749 §5.2 error bodies, carried together with CloudFlow's errorCode/errorMessage. */
export function oauthError(
  error: 'invalid_request' | 'unsupported_grant_type',
  description: string,
): CloudFlowError {
  return new CloudFlowError(ErrorCode.failed, description, {
    extra: { error, error_description: description },
  });
}

const RFC_ERRORS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.unauthorized]: 'invalid_grant',
  [ErrorCode.invalidData]: 'invalid_request',
  // Guessing throttled (429 + Retry-After): RFC 6749 has no code for it; this is the closest one.
  [ErrorCode.tooManyRequests]: 'temporarily_unavailable',
};

/** Any other failure on the token endpoint still speaks RFC 6749: add `error` where a service did not. */
export function asOauthError(error: unknown): unknown {
  if (!(error instanceof CloudFlowError) || error.extra.error) return error;
  const rfc = RFC_ERRORS[error.code] ?? 'server_error';
  return new CloudFlowError(error.code, error.message, {
    extra: { ...error.extra, error: rfc, error_description: error.message },
    retryAfterSeconds: error.retryAfterSeconds,
  });
}
