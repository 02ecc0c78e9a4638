import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { BEARER_INVALID_MESSAGE } from '../credentials/bearer.parser';
import { ApiErrors, err, type ErrorExample } from '../docs/api-errors.decorator';
import {
  AsyncRequestBody,
  CancelAnswerDto,
  PAYMENT_EXAMPLE,
  RequestAcceptedDto,
  STORED_REQUEST_EXAMPLE,
  StoredRequestDto,
} from './requests.dto';

const bearer401 = err('bearer', ErrorCode.unauthorized, BEARER_INVALID_MESSAGE);

/** `Prefer: wait=N` (RFC 7240) on both request routes (issue 13). */
const preferWait = (what: string) =>
  ApiHeader({
    name: 'Prefer',
    required: false,
    description:
      `\`wait=N\` (seconds, at most 60; RFC 7240): ${what} When the request is final within N seconds the answer is ` +
      '200 with the stored request and `Preference-Applied: wait=N`; otherwise the answer is what it would have been ' +
      'without the header. "Final" means any status but `dispatched` (a late device answer may still follow ' +
      '`connectionLost` or `expired`, and the record shows it). Other preferences are ignored.',
    schema: { type: 'string', example: 'wait=30' },
  });
const preferenceApplied = {
  'Preference-Applied': {
    description: 'Present when the call waited for the final answer (`wait=N`, as asked)',
    schema: { type: 'string', example: 'wait=30' },
  },
};

/** W3C Trace Context (issue 14): a POS that traces its own checkout joins the payment to its trace. */
const traceparent = ApiHeader({
  name: 'traceparent',
  required: false,
  description:
    'W3C Trace Context (`version-traceid-parentid-flags`, lower-case hex). When the deployment traces ' +
    '(OpenTelemetry, README "Tracing"), the payment becomes part of your trace: the API call, the hop to the ' +
    "device's hub, the socket write, each device message, each recording and each webhook attempt are spans of " +
    'it, every webhook delivery carries a `traceparent` of that trace, and the stored request shows its `traceId`. ' +
    'Without it (or malformed) a new trace starts here. Ignored when the deployment does not trace.',
  schema: { type: 'string', example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
});

/** The two meanings of 410 (issue 9, hole 7), told apart by `dispatched`. */
const notConnected: ErrorExample = [
  'notConnected',
  {
    errorCode: ErrorCode.connectionLost,
    errorMessage: "Device 'till-7' is not connected; nothing was dispatched",
    dispatched: false,
  },
];
const outcomeUnknown: ErrorExample = [
  'outcomeUnknown',
  {
    errorCode: ErrorCode.connectionLost,
    errorMessage: `Device 'till-7' did not confirm the request in time; its outcome is unknown; GET /requests/${PAYMENT_EXAMPLE.requestId} shows any answer it sends`,
    dispatched: true,
  },
];

export const SendRequestDocs = () =>
  applyDecorators(
    HttpCode(202),
    ApiOperation({
      summary: 'Send a payment or request to a device asynchronously',
      description:
        'The request is stored, then written to the device. Everything the device sends for it is POSTed, signed, to the ' +
        "account's webhook URL and recorded on the request (`GET /requests/{requestId}`). `requestId` is the idempotency key " +
        'for at least 48 h: the same body again answers 200 with the stored request and the device is not asked again; ' +
        'a different body is 409. 412 dispatches nothing: the same requestId may be sent again. ' +
        '410 `connectionLost` says in `dispatched` which of two things happened: `false` = the device is not connected, ' +
        "nothing was dispatched and a retry is safe; `true` = the request was handed to the device's hub, which did not " +
        'confirm the write before the delivery deadline: the outcome is unknown (delivered before the deadline, or never), ' +
        'so do not send it as a new payment; the stored request (status `connectionLost`) records any answer the device ' +
        'sends later and its webhook delivers it. 429 `tooManyRequests` (with `Retry-After`) also comes from a busy gateway ' +
        'shedding load: nothing was dispatched. 417 means storage really failed; nothing was dispatched. ' +
        'With `Prefer: wait=N` the call holds until the final answer (200) or N seconds (202), and an account ' +
        'without a webhook URL may send: the result is then in the answer or the record.',
    }),
    preferWait("hold the call until the device's final answer is recorded."),
    traceparent,
    ApiBody({
      type: AsyncRequestBody,
      examples: { payment: { summary: 'A sale of 12.50 EUR', value: PAYMENT_EXAMPLE } },
    }),
    ApiResponse({
      status: 202,
      type: RequestAcceptedDto,
      description: 'Written to the device',
      example: { requestId: PAYMENT_EXAMPLE.requestId, status: 'dispatched' },
    }),
    ApiOkResponse({
      type: StoredRequestDto,
      description:
        'The stored request: the final answer with `Prefer: wait` (header `Preference-Applied`), or a replay of the same ' +
        'requestId with the same body',
      example: STORED_REQUEST_EXAMPLE,
      headers: preferenceApplied,
    }),
    ApiErrors([
      bearer401,
      err('unknownDevice', ErrorCode.notFound, "Device 'till-7' does not exist"),
      err(
        'differentBody',
        ErrorCode.duplicateItem,
        `Request '${PAYMENT_EXAMPLE.requestId}' was already sent with a different body`,
      ),
      notConnected,
      outcomeUnknown,
      err('busy', ErrorCode.preconditionFailed, "Device 'till-7' is busy with request '3f0e…'"),
      err(
        'noWebhook',
        ErrorCode.preconditionFailed,
        'The account has no webhook URL; asynchronous requests need one (or Prefer: wait)',
      ),
      err('storage', ErrorCode.storageFailed, 'Storage is unavailable; nothing was changed'),
      err(
        'busy.gateway',
        ErrorCode.tooManyRequests,
        'The gateway is busy; nothing was dispatched, please retry after the Retry-After delay',
      ),
      err('badBody', ErrorCode.invalidData, 'Invalid data: requestId: requestId must be a uuid'),
    ]),
  );

export const GetRequestDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'A stored request with its timeline',
      description:
        'Async requests and websocket (sync) requests alike. 404 for requests of other accounts. Card numbers are masked. ' +
        'With `Prefer: wait=N` it is a long poll: it answers as soon as the request is final, or after N seconds with ' +
        'the record as it is then, so a POS behind a proxy with a 30 s limit never loses a result.',
    }),
    preferWait('answer as soon as the request is final (a long poll).'),
    ApiOkResponse({
      type: StoredRequestDto,
      description: 'The request',
      example: STORED_REQUEST_EXAMPLE,
      headers: preferenceApplied,
    }),
    ApiErrors([
      bearer401,
      err('unknownRequest', ErrorCode.notFound, `Request '${PAYMENT_EXAMPLE.requestId}' does not exist`),
    ]),
  );

export const CancelRequestDocs = () =>
  applyDecorators(
    HttpCode(200),
    ApiOperation({
      summary: 'Cancel a request, with a definite answer',
      description:
        'Asks the terminal to stop the transaction (async and websocket requests alike) and answers from the record: ' +
        '`cancelled` only when the terminal confirmed it (its final answer has `payload.outcome` "cancelled"), `tooLate` ' +
        'with the final result when it had finished (also when the cancel and the approval crossed), `pending` when the ' +
        'terminal cannot be reached now or did not answer within 5 s. A settled request answers at once without asking ' +
        'the terminal. Repeating a cancel repeats the answer (a pending one asks the terminal again). On a websocket, ' +
        'send `{"type":"cancel","originatingRequestId":…,"target":…}`: the answer is the payment\'s final frame.',
    }),
    ApiOkResponse({
      type: CancelAnswerDto,
      description: 'What the terminal did',
      example: { outcome: 'tooLate', request: STORED_REQUEST_EXAMPLE },
    }),
    ApiErrors([
      bearer401,
      err('unknownRequest', ErrorCode.notFound, `Request '${PAYMENT_EXAMPLE.requestId}' does not exist`),
    ]),
  );
