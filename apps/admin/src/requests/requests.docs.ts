import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';
import {
  ErrorCode,
  REQUEST_MODES,
  REQUEST_STATUSES,
  type CloudFlowMessage,
  type DeadLetterView,
  type RequestDeliveryAttemptView,
  type RequestDeliveryView,
  type RequestLog,
  type RequestLogEntry,
  type RequestMode,
  type RequestStatus,
} from '@cloudflow/contracts';

/** A CloudFlow message as sent on the sockets: the envelope; `payload` as the terminal sent it, card numbers masked. */
class MessageDto implements CloudFlowMessage {
  @ApiProperty({ type: String, example: 'paymentResponse' }) type: CloudFlowMessage['type'];
  @ApiProperty({ example: 'appflow' }) format: string;
  @ApiProperty({ example: '2.1.2' }) version: string;
  @ApiProperty() requestId: string;
  @ApiPropertyOptional({ description: 'On answers: the request they answer.' }) originatingRequestId?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) target?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) source?: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload: Record<string, unknown>;
}

class TimelineMessageDto {
  @ApiProperty({ example: 2 }) seq: number;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ type: MessageDto }) message: MessageDto;
}

class DeliveryAttemptDto implements RequestDeliveryAttemptView {
  @ApiProperty({ format: 'uuid' }) deliveryId: string;
  @ApiProperty({ description: 'Which message of the timeline the delivery carries.', example: 3 })
  seq: number;
  @ApiProperty({ example: 1 }) attempt: number;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: Number, nullable: true, example: 200 }) httpStatus: number | null;
  @ApiProperty({ type: String, nullable: true, example: null }) error: string | null;
}

class DeliveryDto implements RequestDeliveryView {
  @ApiProperty({ format: 'uuid', description: 'The `Webhook-Id` header of every attempt.' })
  deliveryId: string;
  @ApiProperty({ example: 3 }) seq: number;
  @ApiProperty({ enum: ['pending', 'delivered', 'dead'] }) status: 'pending' | 'delivered' | 'dead';
  @ApiProperty({ type: DeliveryAttemptDto, isArray: true }) attempts: DeliveryAttemptDto[];
}

export class RequestLogEntryDto implements RequestLogEntry {
  @ApiProperty({ example: '8a4c5f0e-2d1b-4c3a-9e8f-7a6b5c4d3e2f' }) requestId: string;
  @ApiProperty({ example: 'pos-main-street' }) accountId: string;
  @ApiProperty({ description: 'The device referenceId.', example: 'till-7' }) target: string;
  @ApiProperty({ example: 'payment' }) type: string;
  @ApiProperty({ enum: REQUEST_MODES, description: 'Websocket (sync) or REST (async).' })
  mode: RequestMode;
  @ApiProperty({ enum: REQUEST_STATUSES }) status: RequestStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', description: 'When the record (and its idempotency) is deleted.' })
  expiresAt: string;
  @ApiProperty({ type: MessageDto, description: 'The request as the POS sent it.' }) request: MessageDto;
  @ApiProperty({
    type: TimelineMessageDto,
    isArray: true,
    description: 'The timeline, in the order the device sent it.',
  })
  messages: TimelineMessageDto[];
  @ApiProperty({ type: MessageDto, nullable: true, description: 'The final answer, once there is one.' })
  result: MessageDto | null;
  @ApiProperty({ type: DeliveryDto, isArray: true, description: 'Webhook deliveries (async requests).' })
  deliveries: DeliveryDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^[0-9a-f]{32}$',
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
    description:
      "The OpenTelemetry trace id of the trace this request was made in (the POS's `traceparent` or the trace the API call started); null when tracing is off.",
  })
  traceId: string | null;
}

class DeadLetterDto implements DeadLetterView {
  @ApiProperty({ type: String, nullable: true }) accountId: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Null when the event was unreadable.' })
  eventId: string | null;
  @ApiProperty({ example: 'storage refused the event: 22P05 unsupported Unicode escape sequence' })
  reason: string;
  @ApiProperty({ description: 'How often it had been delivered to a gateway.', example: 1 })
  deliveries: number;
  @ApiProperty({
    description:
      'The event as JSON text, card numbers masked, NUL characters shown as `<NUL>`, cut at 16 KiB.',
  })
  event: string;
  @ApiProperty({ format: 'date-time' }) deadAt: string;
}

export class RequestLogDto implements RequestLog {
  @ApiProperty({ type: RequestLogEntryDto, isArray: true }) requests: RequestLogEntryDto[];
  @ApiProperty({ type: DeadLetterDto, isArray: true }) deadLetters: DeadLetterDto[];
}

/** GET /admin/v1/requests: what the entries and the dead letters are (issue 9, hole 4). */
export const ListRequestsDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The tenant's request log",
      description:
        'Newest first, exact filters. `requests`: each request with its timeline (`messages`, in the order the device sent ' +
        'them) and, for async requests, its webhook deliveries. `deadLetters`: request events from the terminals that could ' +
        'never be recorded (for example a payload with a NUL character, or nested too deep to store), set aside so they hold ' +
        'back no other event. `accountId` and `limit` apply to dead letters too; with a `status` or `target` filter they are empty.',
    }),
    ApiOkResponse({ type: RequestLogDto, description: 'The request log' }),
    AdminErrors(
      errorExample(
        'badLimit',
        ErrorCode.invalidData,
        'Invalid data: limit: limit must not be greater than 200',
      ),
    ),
  );
