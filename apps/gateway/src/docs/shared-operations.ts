import type { OperationObject, SchemaObject } from '@nestjs/swagger';
import { appKeyError, ErrorCode } from '@cloudflow/contracts';
import { SECURITY } from './security-schemes';

/*
 * The OpenAPI text of two routes the Client API documents share with the rest of the gateway:
 * the APP-key check of seed 000 and the OAuth token endpoint of CONTRACT.md §4. Their
 * controllers carry no swagger decorators of their own, so their operations are written here
 * and laid over the scanned ones (only where the scan found the route: a removed route is
 * never resurrected in the documents).
 */

const ERROR_REF = { $ref: '#/components/schemas/ErrorBodyDto' };
/** The token endpoint's errors: the contract's body plus RFC 6749 §5.2's `error` and `error_description`. */
const OAUTH_ERROR = {
  allOf: [
    ERROR_REF,
    {
      type: 'object',
      properties: {
        error: { type: 'string', description: 'RFC 6749 §5.2 error code', example: 'invalid_grant' },
        error_description: {
          type: 'string',
          description: 'The same text as errorMessage',
          example: 'Invalid username or password',
        },
      },
      required: ['error', 'error_description'],
    },
  ],
};
const appKeyOnly = [{ [SECURITY.appKey]: [] }];
const tags = ['APP key and OAuth'];

const appKeyErrors = {
  '401': {
    description: '`unauthorized`: the APP key is missing, unknown, revoked or expired (seed 000 texts)',
    content: {
      'application/json': {
        schema: ERROR_REF,
        examples: {
          missing: { value: appKeyError('missing').toBody() },
          invalid: { value: appKeyError('invalid').toBody() },
          expired: { value: appKeyError('expired').toBody() },
        },
      },
    },
  },
  '403': {
    description: '`forbidden`: the key may not use this API, or the endpoint is blocked',
    content: {
      'application/json': {
        schema: ERROR_REF,
        examples: {
          groupDisallowed: { value: appKeyError('groupDisallowed').toBody() },
          endpointBlocked: { value: appKeyError('endpointBlocked').toBody() },
        },
      },
    },
  },
  '429': {
    description: '`tooManyRequests`: usage limit reached; see Retry-After',
    content: { 'application/json': { schema: ERROR_REF, example: appKeyError('usageExceeded').toBody() } },
  },
};

const statusOperation: OperationObject = {
  tags,
  operationId: 'dummyApiStatus',
  summary: 'Check your APP key',
  description:
    'Answers 200 when the `api-key` header carries a valid APP key (seed 000, "Make a test API request").',
  security: appKeyOnly,
  responses: {
    '200': {
      description: 'The key is valid',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['status', 'message'],
            properties: {
              status: { type: 'string', example: 'OK' },
              message: { type: 'string', example: 'Your APP Key is valid' },
            },
          },
        },
      },
    },
    ...appKeyErrors,
  },
};

const grant: SchemaObject = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: ['password', 'refresh_token'], example: 'password' },
    username: {
      type: 'string',
      description: 'password grant: the admin user of the business owning the APP key',
      example: 'ada',
    },
    password: { type: 'string', format: 'password', description: 'password grant' },
    refresh_token: { type: 'string', description: 'refresh_token grant' },
    scope: { type: 'string' },
  },
};

const oauthError = (code: ErrorCode, error: string, description: string) => ({
  error,
  error_description: description,
  errorCode: code,
  errorMessage: description,
});

const tokenOperation: OperationObject = {
  tags,
  operationId: 'oauthToken',
  summary: 'OAuth 2.0 token (password and refresh_token grants)',
  description:
    'RFC 6749 token endpoint. The access token authorizes the admin API (`Authorization: Bearer <access_token>`).',
  security: appKeyOnly,
  requestBody: {
    required: true,
    content: {
      'application/x-www-form-urlencoded': { schema: grant },
      'application/json': { schema: grant },
    },
  },
  responses: {
    '200': {
      description: 'Tokens issued',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope'],
            properties: {
              access_token: { type: 'string', description: 'JWT' },
              token_type: { type: 'string', enum: ['bearer'] },
              expires_in: {
                type: 'integer',
                example: 900,
                description: 'seconds the access token lives (15 minutes)',
              },
              refresh_token: { type: 'string' },
              scope: { type: 'string' },
            },
          },
        },
      },
    },
    '400': {
      description: 'RFC 6749 error (`invalid_request`, `unsupported_grant_type`), with errorCode `failed`',
      content: {
        'application/json': {
          schema: OAUTH_ERROR,
          example: oauthError(
            ErrorCode.failed,
            'unsupported_grant_type',
            "grant_type 'client_credentials' is not supported; use password or refresh_token",
          ),
        },
      },
    },
    '401': {
      description: '`invalid_grant` (wrong username/password or refresh token), or an APP-key error',
      content: {
        'application/json': {
          schema: OAUTH_ERROR,
          example: oauthError(ErrorCode.unauthorized, 'invalid_grant', 'Invalid username or password'),
        },
      },
    },
    '403': appKeyErrors['403'],
    '422': {
      description: '`invalidData`: body is not a form or JSON',
      content: { 'application/json': { schema: ERROR_REF } },
    },
    '429': {
      description:
        '`tooManyRequests`: APP-key usage limit, or too many failed password guesses for this username or from this address (RFC 6749 `temporarily_unavailable`); wait `Retry-After` seconds',
      content: {
        'application/json': {
          schema: OAUTH_ERROR,
          example: oauthError(
            ErrorCode.tooManyRequests,
            'temporarily_unavailable',
            'Too many failed attempts, try again later',
          ),
        },
      },
    },
  },
};

/** path → method → the operation to lay over the scanned one. */
export const SHARED_OPERATIONS: Record<string, Record<string, OperationObject>> = {
  '/dummyapi/status': { get: statusOperation },
  '/auth/oauth/token': { post: tokenOperation },
};
