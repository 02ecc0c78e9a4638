import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse } from '@nestjs/swagger';
import { ERROR_HTTP_STATUS, ErrorCode, appKeyError, type ErrorBody } from '@cloudflow/contracts';
import { ErrorBodyDto } from './error-body.dto';

/** Seed 001's descriptions of each code. */
const DESCRIPTIONS: Record<ErrorCode, string> = {
  [ErrorCode.failed]: 'Unexpected failure',
  [ErrorCode.unauthorized]: 'Missing or invalid credentials',
  [ErrorCode.forbidden]: 'The operation attempted is not allowed',
  [ErrorCode.notFound]: 'The item requested or referenced does not exist',
  [ErrorCode.duplicateItem]: 'The item can not be created as it already exists',
  [ErrorCode.connectionLost]: 'The target the request was intended for is not available',
  [ErrorCode.preconditionFailed]:
    'The operation attempted can not be carried out due to existing preconditions',
  [ErrorCode.storageFailed]: 'The item could not be persisted',
  [ErrorCode.invalidData]: 'The request is missing required data or the data defined is invalid',
  [ErrorCode.tooManyConnections]: 'The number of websocket connections have exceeded the account limit',
  [ErrorCode.tooManyRequests]: 'APP-key usage limit or rate limit reached; see the Retry-After header',
};

export type ErrorExample = [name: string, body: ErrorBody];

export const errorExample = (name: string, code: ErrorCode, message: string): ErrorExample => [
  name,
  { errorCode: code, errorMessage: message },
];

/** What the APP-key layer (seed 000) may answer on every keyed route. */
const APP_KEY_EXAMPLES: ErrorExample[] = (
  ['missing', 'invalid', 'expired', 'groupDisallowed', 'endpointBlocked', 'usageExceeded'] as const
).map((problem) => [`appKey.${problem}`, appKeyError(problem).toBody()]);

/**
 * Documents a route's error responses with the `{errorCode, errorMessage}` schema, one response
 * per HTTP status carrying a named example per case (statuses shared by several codes, such as
 * 429, list them all). Keyed routes get the APP-key cases too.
 */
export function ApiErrors(examples: ErrorExample[], options: { appKey?: boolean } = { appKey: true }) {
  const all = [...(options.appKey === false ? [] : APP_KEY_EXAMPLES), ...examples];
  all.push(
    errorExample(
      'failed',
      ErrorCode.failed,
      'Unexpected failure (errorId 6f1c2b1e-0d7a-4d53-9a55-2b8e8c0f3a61)',
    ),
  );
  const byStatus = new Map<number, ErrorExample[]>();
  for (const example of all) {
    const status = ERROR_HTTP_STATUS[example[1].errorCode];
    byStatus.set(status, [...(byStatus.get(status) ?? []), example]);
  }
  const decorators = [...byStatus].map(([status, cases]) => {
    const codes = [...new Set(cases.map(([, body]) => body.errorCode))];
    return ApiResponse({
      status,
      description: codes.map((c) => `\`${c}\`: ${DESCRIPTIONS[c]}`).join('; '),
      type: ErrorBodyDto,
      examples: Object.fromEntries(
        cases.map(([name, value]) => [name, { summary: value.errorMessage, value }]),
      ),
    });
  });
  return applyDecorators(ApiExtraModels(ErrorBodyDto), ...decorators);
}
