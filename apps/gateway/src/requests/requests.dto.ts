import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  certainlyValidEnvelope,
  CloudFlowMessage,
  MESSAGE_TYPES,
  type MessageType,
  type RequestStatus,
  REQUEST_STATUSES,
} from '@cloudflow/contracts';
import { IsIn, IsString, IsUUID, Length, Matches } from 'class-validator';

const PAYMENT_EXAMPLE = {
  type: 'payment',
  format: 'appflow',
  version: '2.1.2',
  requestId: '8a4c2f0e-5b1d-4c3e-9f7a-2d6b8e1c4a90',
  originatingRequestId: null,
  target: 'till-7',
  payload: {
    id: 'c0ffee00-1111-4222-8333-944455556666',
    flowType: 'sale',
    amounts: { baseAmount: 1250, currency: 'EUR' },
  },
};

/** class-validator's IsUUID('all') (validator.js), so the fast path is never surer than it. */
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;

/**
 * The body of POST /requests: a CloudFlow message (CONTRACT.md §7) that starts a transaction,
 * with the device's referenceId as `target` and a client-chosen uuid `requestId` (the idempotency
 * key). The envelope's own rules apply; the decorators below only narrow and document them.
 */
export class AsyncRequestBody extends CloudFlowMessage {
  /** The global pipe's fast path (FastCheckedBody): true only for bodies the decorators below accept as they are. */
  static certainlyValid(plain: Record<string, unknown>): boolean {
    return (
      (plain.type === 'payment' || plain.type === 'request') &&
      typeof plain.requestId === 'string' &&
      UUID.test(plain.requestId) &&
      certainlyValidEnvelope(plain)
    );
  }
}

const narrow: Array<[keyof CloudFlowMessage, PropertyDecorator[]]> = [
  [
    'type',
    [
      ApiProperty({ type: String, enum: ['payment', 'request'], example: 'payment' }),
      IsIn(['payment', 'request'], { message: 'type must be payment or request' }),
    ],
  ],
  ['format', [ApiProperty({ type: String, example: 'appflow' })]],
  ['version', [ApiProperty({ type: String, example: '2.1.2' })]],
  [
    'requestId',
    [
      ApiProperty({
        type: String,
        format: 'uuid',
        description: 'Chosen by the client; also the idempotency key (kept at least 48 h).',
        example: PAYMENT_EXAMPLE.requestId,
      }),
      IsUUID('all', { message: 'requestId must be a uuid' }),
    ],
  ],
  ['originatingRequestId', [ApiPropertyOptional({ type: String, nullable: true, example: null })]],
  [
    'source',
    [
      ApiPropertyOptional({
        type: String,
        nullable: true,
        description: 'Ignored: CloudFlow sets the sender.',
      }),
    ],
  ],
  ['target', [ApiProperty({ type: String, description: "The device's referenceId.", example: 'till-7' })]],
  [
    'payload',
    [
      ApiProperty({
        type: 'object',
        additionalProperties: true,
        description: 'AppFlow payload, carried as is.',
        example: PAYMENT_EXAMPLE.payload,
      }),
    ],
  ],
];
for (const [property, decorators] of narrow)
  for (const decorate of decorators) decorate(AsyncRequestBody.prototype, property);

export class RequestParams {
  @ApiProperty({
    description: 'The requestId the request was sent with.',
    example: PAYMENT_EXAMPLE.requestId,
  })
  @IsString()
  @Length(1, 100)
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'requestId may contain only letters, digits and . _ : -' })
  requestId: string;
}

export class RequestAcceptedDto {
  @ApiProperty({ example: PAYMENT_EXAMPLE.requestId }) requestId: string;
  @ApiProperty({ enum: ['dispatched'], example: 'dispatched' }) status: 'dispatched';
}

class MessageDto {
  @ApiProperty({ enum: MESSAGE_TYPES }) type: MessageType;
  @ApiProperty() format: string;
  @ApiProperty() version: string;
  @ApiProperty() requestId: string;
  @ApiPropertyOptional({ type: String, nullable: true }) originatingRequestId?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) source?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) target?: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload: Record<string, unknown>;
}

export class StoredRequestDto {
  @ApiProperty({ example: PAYMENT_EXAMPLE.requestId }) requestId: string;
  @ApiProperty({ example: 'till-7' }) target: string;
  @ApiProperty({ enum: ['payment', 'request'], example: 'payment' }) type: string;
  @ApiProperty({
    enum: REQUEST_STATUSES,
    description:
      '`dispatched` (written to the device), `completed` (final paymentResponse/response), `failed` (final flowException from the device), ' +
      '`cancelled` (the terminal stopped it on a cancel: its final answer has `payload.outcome` "cancelled"), ' +
      "`connectionLost` (the device's connection or its hub dropped before a final answer), `expired` (no final answer within the account's timeout, default 150 s). " +
      'A final answer arriving after connectionLost/expired still moves the request to completed/failed.',
  })
  status: RequestStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: MessageDto, description: 'The request as sent (card numbers masked).' })
  request: MessageDto;
  @ApiProperty({
    type: MessageDto,
    isArray: true,
    description: 'Everything recorded for it, in order (card numbers masked).',
  })
  messages: MessageDto[];
  @ApiProperty({ type: MessageDto, nullable: true, description: 'The final answer, once there is one.' })
  result: MessageDto | null;
  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^[0-9a-f]{32}$',
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
    description:
      'The OpenTelemetry trace id of this payment: the trace of the `traceparent` header you sent with POST /requests, ' +
      'or the one the gateway (or, for a websocket payment, the hub) started. Null when the deployment does not trace.',
  })
  traceId: string | null;
}

export const STORED_REQUEST_EXAMPLE = {
  requestId: PAYMENT_EXAMPLE.requestId,
  target: 'till-7',
  type: 'payment',
  status: 'completed',
  createdAt: '2025-11-23T09:41:07.120Z',
  updatedAt: '2025-11-23T09:41:12.804Z',
  request: { ...PAYMENT_EXAMPLE, source: 'pos-main-street' },
  messages: [
    {
      type: 'flowEvent',
      format: 'appflow',
      version: '2.1.2',
      requestId: '0b5e…',
      originatingRequestId: PAYMENT_EXAMPLE.requestId,
      source: 'till-7',
      payload: { stage: 'PRESENT_CARD' },
    },
    {
      type: 'paymentResponse',
      format: 'appflow',
      version: '2.1.2',
      requestId: '9d21…',
      originatingRequestId: PAYMENT_EXAMPLE.requestId,
      source: 'till-7',
      payload: {
        id: '5e7f…',
        outcome: 'FULFILLED',
        transactions: [{ amounts: { baseAmount: 1250, currency: 'EUR' }, maskedPan: '************4242' }],
      },
    },
  ],
  result: {
    type: 'paymentResponse',
    format: 'appflow',
    version: '2.1.2',
    requestId: '9d21…',
    originatingRequestId: PAYMENT_EXAMPLE.requestId,
    source: 'till-7',
    payload: {
      id: '5e7f…',
      outcome: 'FULFILLED',
      transactions: [{ amounts: { baseAmount: 1250, currency: 'EUR' }, maskedPan: '************4242' }],
    },
  },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

/** The answer to POST /requests/{requestId}/cancel (issue 13). */
export class CancelAnswerDto {
  @ApiProperty({
    enum: ['cancelled', 'tooLate', 'pending'],
    description:
      '`cancelled`: the terminal stopped the transaction (the request is `cancelled`). `tooLate`: it had finished; ' +
      '`request.result` is its final answer. `pending`: the terminal could not be reached or did not answer in time; ' +
      'the outcome follows on the record, by webhook, and in the answer to this cancel asked again.',
    example: 'cancelled',
  })
  outcome: 'cancelled' | 'tooLate' | 'pending';
  @ApiProperty({ type: StoredRequestDto, description: 'The stored request as the answer was decided' })
  request: StoredRequestDto;
}

export { PAYMENT_EXAMPLE };
