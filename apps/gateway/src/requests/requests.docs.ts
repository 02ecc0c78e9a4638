import { applyDecorators, HttpCode } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { BEARER_INVALID_MESSAGE } from '../credentials/bearer.parser';
import { ApiErrors, err } from '../docs/api-errors.decorator';
import { AsyncRequestBody, PAYMENT_EXAMPLE, RequestAcceptedDto, STORED_REQUEST_EXAMPLE, StoredRequestDto } from './requests.dto';

const bearer401 = err('bearer', ErrorCode.unauthorized, BEARER_INVALID_MESSAGE);

export const SendRequestDocs = () =>
  applyDecorators(
    HttpCode(202),
    ApiOperation({
      summary: 'Send a payment or request to a device asynchronously',
      description:
        'The request is stored, then written to the device. Everything the device sends for it is POSTed, signed, to the ' +
        "account's webhook URL and recorded on the request (`GET /requests/{requestId}`). `requestId` is the idempotency key " +
        'for at least 48 h: the same body again answers 200 with the stored request and the device is not asked again; ' +
        'a different body is 409. 410 and 412 dispatch nothing: the same requestId may be sent again. ' +
        "If the device's hub does not confirm the write in time the outcome is unknown: 410, and the stored request (status " +
        '`connectionLost`) still records any answer the device sends later.',
    }),
    ApiBody({ type: AsyncRequestBody, examples: { payment: { summary: 'A sale of 12.50 EUR', value: PAYMENT_EXAMPLE } } }),
    ApiResponse({ status: 202, type: RequestAcceptedDto, description: 'Written to the device', example: { requestId: PAYMENT_EXAMPLE.requestId, status: 'dispatched' } }),
    ApiOkResponse({ type: StoredRequestDto, description: 'A replay of the same requestId with the same body: the stored request', example: STORED_REQUEST_EXAMPLE }),
    ApiErrors([
      bearer401,
      err('unknownDevice', ErrorCode.notFound, "Device 'till-7' does not exist"),
      err('differentBody', ErrorCode.duplicateItem, `Request '${PAYMENT_EXAMPLE.requestId}' was already sent with a different body`),
      err('notConnected', ErrorCode.connectionLost, "Device 'till-7' is not connected; nothing was dispatched"),
      err('busy', ErrorCode.preconditionFailed, "Device 'till-7' is busy with request '3f0e…'"),
      err('noWebhook', ErrorCode.preconditionFailed, 'The account has no webhook URL; asynchronous requests need one'),
      err('storage', ErrorCode.storageFailed, 'Storage is unavailable; nothing was changed'),
      err('badBody', ErrorCode.invalidData, 'Invalid data: requestId: requestId must be a uuid'),
    ]),
  );

export const GetRequestDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'A stored request with its timeline',
      description: 'Async requests and websocket (sync) requests alike. 404 for requests of other accounts. Card numbers are masked.',
    }),
    ApiOkResponse({ type: StoredRequestDto, description: 'The request', example: STORED_REQUEST_EXAMPLE }),
    ApiErrors([bearer401, err('unknownRequest', ErrorCode.notFound, `Request '${PAYMENT_EXAMPLE.requestId}' does not exist`)]),
  );
