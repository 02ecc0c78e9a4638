import createClient, { type Client } from 'openapi-fetch';
import { randomUUID } from 'node:crypto';
import { accountBearer, type ClientCredentials } from './credentials';
import type { components, paths } from './generated/client-v1-1';
import { DEFAULT_RETRY, retryingFetch, type RetryPolicy } from './retry';

type Schemas = components['schemas'];
export type DeviceView = Schemas['DeviceViewDto'];
export type ConnectionState = Schemas['DeviceConnectedDto'] | Schemas['DeviceDisconnectedDto'];
export type RequestRecord = Schemas['StoredRequestDto'];
export type AsyncRequestBody = Schemas['AsyncRequestBody'];
export type ErrorBody = Schemas['ErrorBodyDto'];
export type DeviceFilter = NonNullable<paths['/client/v1.1/devices']['get']['parameters']['query']>;

/** A payment as a POS thinks of it; the SDK builds the CloudFlow envelope around it. */
export interface PaymentSpec {
  /** The device's referenceId. */
  target: string;
  /** Minor units (cents). */
  baseAmount: number;
  currency: string;
  flowType?: string;
  /** The idempotency key: pass your own to make a retry after a crash safe (default: a new uuid). */
  requestId?: string;
  /** The AppFlow payment id (default: the requestId, so a repeat of the same payment is the same body). */
  paymentId?: string;
}

/** An answer other than the one the call expects, with the contract's error body. */
export class CloudFlowApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    readonly retryAfter?: string,
  ) {
    super(body ? `${status} ${body.errorCode}: ${body.errorMessage}` : `HTTP ${status}`);
  }
  get errorCode(): string | undefined {
    return this.body?.errorCode;
  }
}

export interface RestOptions extends ClientCredentials {
  retry?: Partial<RetryPolicy>;
  /** For tests and custom agents. */
  fetch?: typeof fetch;
}

/**
 * The envelope of a `payment` request (CONTRACT.md §7). The same spec gives the same body, so a
 * repeat with the same requestId is recognised as the same payment (another body would be 409).
 */
export function paymentEnvelope(p: PaymentSpec): AsyncRequestBody {
  const requestId = p.requestId ?? randomUUID();
  return {
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId,
    target: p.target,
    payload: {
      id: p.paymentId ?? requestId,
      flowType: p.flowType ?? 'sale',
      amounts: { baseAmount: p.baseAmount, currency: p.currency },
    },
  };
}

function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  throw new CloudFlowApiError(
    result.response.status,
    result.error as ErrorBody | undefined,
    result.response.headers.get('retry-after') ?? undefined,
  );
}

/**
 * The Client API 1.1 over REST, typed from the OpenAPI document the gateway serves. 429 and
 * 503 answers are retried with the same request (same requestId) as `Retry-After` says.
 */
export class CloudFlowRest {
  /** The typed openapi-fetch client, for any route the helpers below do not cover. */
  readonly api: Client<paths>;

  constructor(readonly options: RestOptions) {
    this.api = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/$/, ''),
      headers: { 'api-key': options.appKey, authorization: accountBearer(options) },
      fetch: retryingFetch({ ...DEFAULT_RETRY, ...options.retry }, options.fetch ?? fetch),
    });
  }

  async devices(query: DeviceFilter = {}): Promise<DeviceView[]> {
    return unwrap(await this.api.GET('/client/v1.1/devices', { params: { query } }));
  }

  async device(referenceId: string): Promise<DeviceView> {
    return unwrap(
      await this.api.GET('/client/v1.1/devices/{referenceId}', { params: { path: { referenceId } } }),
    );
  }

  async connected(referenceId: string): Promise<ConnectionState> {
    return unwrap(
      await this.api.GET('/client/v1.1/devices/{referenceId}/connected', {
        params: { path: { referenceId } },
      }),
    );
  }

  /**
   * Sends an asynchronous payment: 202 `dispatched` (the result follows by webhook), or the
   * stored request when this requestId was sent before (then nothing is sent again).
   * `waitSeconds` (≤ 60, `Prefer: wait`): hold the call until the final answer, which then comes
   * back as `record`; if it takes longer, the answer is `dispatched` as without it.
   */
  async pay(
    p: PaymentSpec,
    { waitSeconds }: { waitSeconds?: number } = {},
  ): Promise<{ requestId: string; status: RequestRecord['status']; record?: RequestRecord }> {
    const result = await this.api.POST('/client/v1.1/requests', {
      body: paymentEnvelope(p),
      headers: prefer(waitSeconds),
    });
    const data = unwrap<Schemas['RequestAcceptedDto'] | RequestRecord>(result);
    if (result.response.status === 202) return { requestId: data.requestId, status: 'dispatched' };
    const record = data as RequestRecord;
    return { requestId: record.requestId, status: record.status, record };
  }

  /** The stored request; `waitSeconds` (≤ 60): a long poll that answers as soon as it is final. */
  async request(requestId: string, { waitSeconds }: { waitSeconds?: number } = {}): Promise<RequestRecord> {
    return unwrap(
      await this.api.GET('/client/v1.1/requests/{requestId}', {
        params: { path: { requestId } },
        headers: prefer(waitSeconds),
      }),
    );
  }

  /**
   * Cancels a request with a definite answer: `cancelled` (the terminal stopped it), `tooLate`
   * (it had finished: `request.result` is the result) or `pending` (ask again later; the outcome
   * also comes by webhook). Safe to repeat.
   */
  async cancel(requestId: string): Promise<Schemas['CancelAnswerDto']> {
    return unwrap(
      await this.api.POST('/client/v1.1/requests/{requestId}/cancel', { params: { path: { requestId } } }),
    );
  }

  /** Websocket credentials (`GET /client/v1.1/token`): the hub URL and a JWT valid for 5 minutes. */
  async token(): Promise<Schemas['ConnectionCredentialsDto']> {
    return unwrap(await this.api.GET('/client/v1.1/token'));
  }
}

/** RFC 7240 `Prefer: wait=N`, when asked for. */
function prefer(waitSeconds: number | undefined): Record<string, string> {
  if (waitSeconds === undefined) return {};
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > 60)
    throw new RangeError('waitSeconds must be a whole number of seconds from 1 to 60');
  return { prefer: `wait=${waitSeconds}` };
}
