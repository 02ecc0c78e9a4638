import { ErrorCode, isErrorCode } from './error-code';

/** The wire shape of every error (CONTRACT.md §2), over HTTP, NATS and websockets. */
export interface ErrorBody {
  errorCode: ErrorCode;
  errorMessage: string;
  /** Extra top-level body fields some errors carry: the seed's `error`, OAuth's `error_description`. */
  [extra: string]: unknown;
}

export interface CloudFlowErrorOptions {
  /** Extra fields merged into the body (e.g. `{ error: 'Invalid APP key' }`). */
  extra?: Record<string, string>;
  /** Seconds the caller should wait before retrying (HTTP `Retry-After`). */
  retryAfterSeconds?: number;
  /**
   * For `connectionLost`: whether the request reached the terminal. `false` means nothing was
   * dispatched and a retry is safe; `true` means it was dispatched and its outcome is unknown
   * (CONTRACT.md §12). Carried in the body as `dispatched`.
   */
  dispatched?: boolean;
  cause?: unknown;
}

/** The one error type: a domain throws it with a code; each transport maps the code. */
export class CloudFlowError extends Error {
  readonly extra: Record<string, string>;
  readonly retryAfterSeconds?: number;
  readonly dispatched?: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: CloudFlowErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CloudFlowError';
    this.extra = options.extra ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.dispatched = options.dispatched;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { ...this.extra, errorCode: this.code, errorMessage: this.message };
    if (this.dispatched !== undefined) body.dispatched = this.dispatched;
    return body;
  }

  /** Rebuilds an error that crossed a process boundary; anything unrecognised becomes `failed`. */
  static fromBody(body: unknown): CloudFlowError {
    if (body && typeof body === 'object') {
      const { errorCode, errorMessage, retryAfterSeconds, dispatched, ...rest } = body as Record<
        string,
        unknown
      >;
      if (isErrorCode(errorCode)) {
        const extra: Record<string, string> = {};
        for (const [k, v] of Object.entries(rest)) if (typeof v === 'string') extra[k] = v;
        return new CloudFlowError(errorCode, typeof errorMessage === 'string' ? errorMessage : errorCode, {
          extra,
          retryAfterSeconds: typeof retryAfterSeconds === 'number' ? retryAfterSeconds : undefined,
          dispatched: typeof dispatched === 'boolean' ? dispatched : undefined,
        });
      }
    }
    return new CloudFlowError(ErrorCode.failed, 'Unexpected failure');
  }
}
