import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import {
  ErrorCode,
  WEBHOOK_DELIVERY_STATUSES,
  type RedeliveredWebhooks,
  type WebhookDeliveryList,
  type WebhookDeliveryStatus,
  type WebhookDeliverySummary,
  type WebhookReceiverStatus,
} from '@cloudflow/contracts';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';
import type { RotatedSecretView } from './account-webhooks.service';

export class RotatedWebhookSecretDto implements RotatedSecretView {
  @ApiProperty({ example: 'pos-main-street' }) accountId: string;
  @ApiProperty({
    description: 'The new secret: every delivery is signed with it from now on. Shown only here.',
    example: 'whsec_Q3xk…',
  })
  webhookSecret: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'Until then every delivery also carries a `v1=` signature made with the old secret ' +
      '(WEBHOOK_SECRET_OVERLAP_HOURS, 24 h); null when the deployment has no overlap.',
  })
  previousExpiresAt: string | null;
}

export class WebhookDeliveryDto implements WebhookDeliverySummary {
  @ApiProperty({
    format: 'uuid',
    description: 'The `CloudFlow-Delivery-Id` header, the same on every attempt.',
  })
  deliveryId: string;
  @ApiProperty({ example: '8a4c5f0e-2d1b-4c3a-9e8f-7a6b5c4d3e2f' }) requestId: string;
  @ApiProperty({ description: 'Which message of the request it carries.', example: 3 }) seq: number;
  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATUSES }) status: WebhookDeliveryStatus;
  @ApiProperty({ description: 'Every attempt so far, also those before a redelivery.', example: 4 })
  attempts: number;
  @ApiProperty({ type: String, nullable: true, example: 'HTTP 503' }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Pending only.' })
  nextAttemptAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deadAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The latest redelivery.' })
  redeliveredAt: string | null;
}

export class WebhookDeliveryListDto implements WebhookDeliveryList {
  @ApiProperty({ type: WebhookDeliveryDto, isArray: true }) deliveries: WebhookDeliveryDto[];
}

export class RedeliveredDto implements RedeliveredWebhooks {
  @ApiProperty({ description: 'Dead deliveries queued again.', example: 12 }) redelivered: number;
}

export class WebhookReceiverDto implements WebhookReceiverStatus {
  @ApiProperty({ example: 'pos-main-street' }) accountId: string;
  @ApiProperty({
    enum: ['ok', 'failing', 'disabled'],
    description:
      '`failing`: every attempt since `failingSince` failed. `disabled`: failing for longer than ' +
      'WEBHOOK_DISABLE_AFTER_MS (5 days); nothing is attempted until it is enabled again.',
  })
  state: 'ok' | 'failing' | 'disabled';
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) failingSince: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disabledAt: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'ECONNREFUSED' }) lastError: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastErrorAt: string | null;
  @ApiProperty({ description: 'Deliveries waiting or retrying.', example: 3 }) pending: number;
  @ApiProperty({ description: 'Deliveries given up on (redeliverable).', example: 0 }) dead: number;
}

const notFound = errorExample(
  'unknownAccount',
  ErrorCode.notFound,
  "Account 'pos-main-street' does not exist",
);
const badId = errorExample(
  'badAccountId',
  ErrorCode.invalidData,
  'Invalid data: accountId may contain only letters, digits and . _ : @ -',
);

export const RotateWebhookSecretDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "Rotate the account's webhook secret",
      description:
        'A new secret, shown only in this answer. Until `previousExpiresAt` every delivery carries two ' +
        'signatures, `CloudFlow-Signature: t=<t>,v1=<new>,v1=<old>`, so a receiver can switch to the new ' +
        'secret whenever it likes; after it only the new one. Rotating again within the overlap drops the ' +
        'oldest secret at once.',
    }),
    ApiOkResponse({ type: RotatedWebhookSecretDto }),
    AdminErrors(notFound, badId),
  );

export const ListDeliveriesDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The account's webhook deliveries",
      description:
        'Newest first. Dead deliveries are kept for WEBHOOK_DEAD_RETENTION_HOURS (30 days) after they went dead, ' +
        'delivered ones for WEBHOOK_RETENTION_HOURS (96 h) after they were queued.',
    }),
    ApiOkResponse({ type: WebhookDeliveryListDto }),
    AdminErrors(
      notFound,
      errorExample(
        'badStatus',
        ErrorCode.invalidData,
        'Invalid data: status: status must be one of the following values: pending, delivered, dead',
      ),
    ),
  );

export const RedeliverDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Send one delivery again',
      description:
        'Whatever its status: it goes out again with the same `CloudFlow-Delivery-Id` and body, a fresh retry ' +
        'budget (72 h) and a new signature, after the earlier messages of its request. One being sent right now ' +
        'is answered as it is.',
    }),
    ApiOkResponse({ type: WebhookDeliveryDto }),
    AdminErrors(
      errorExample('unknownDelivery', ErrorCode.notFound, "Delivery '0b9c…' does not exist"),
      errorExample('badDeliveryId', ErrorCode.invalidData, 'Invalid data: deliveryId must be a UUID'),
    ),
  );

export const RedeliverDeadDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Send every dead delivery again',
      description:
        'For a receiver that is back after its deliveries gave up (72 h): each dead one goes out again as by ' +
        '`…/{deliveryId}/redeliver`, in order per request.',
    }),
    ApiOkResponse({ type: RedeliveredDto }),
    AdminErrors(notFound, badId),
  );

export const ReceiverDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The account's webhook receiver",
      description: 'Whether it is failing or disabled, since when, its last error, and what waits for it.',
    }),
    ApiOkResponse({ type: WebhookReceiverDto }),
    AdminErrors(notFound, badId),
  );

export const EnableReceiverDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "Enable the account's webhook receiver again",
      description:
        'Forgets its failing state; its pending deliveries go out at once. Dead ones stay dead: redeliver them.',
    }),
    ApiOkResponse({ type: WebhookReceiverDto }),
    AdminErrors(notFound, badId),
  );
