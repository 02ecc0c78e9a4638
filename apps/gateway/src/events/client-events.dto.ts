import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EVENT_TYPES, type EventType } from '@cloudflow/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CURSOR_PATTERN } from './client-events.repository';

export const EVENTS_PAGE = { default: 100, max: 500 } as const;

export class ClientEventsQuery {
  @ApiPropertyOptional({
    description:
      'The `next` of the previous page; left out, the feed starts at its oldest event (72 h back).',
    example: '48213.1077',
  })
  @IsOptional()
  @IsString()
  @Matches(CURSOR_PATTERN, { message: 'after must be a cursor from a previous page' })
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: EVENTS_PAGE.max, default: EVENTS_PAGE.default })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(EVENTS_PAGE.max)
  limit?: number;
}

export class FeedEventDto {
  @ApiProperty({
    format: 'uuid',
    description: "The delivery id: the `CloudFlow-Delivery-Id` of the same event's webhook delivery.",
  })
  id: string;
  @ApiProperty({ enum: EVENT_TYPES }) type: EventType;
  @ApiPropertyOptional({ description: 'Request messages: the request they belong to.' }) requestId?: string;
  @ApiPropertyOptional({
    description: "Request messages: the message's place in the request's timeline (1, 2, …).",
  })
  seq?: number;
  @ApiProperty({ format: 'date-time', description: 'When the event was queued.' }) createdAt: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Exactly the body its webhook delivery carries: a request message is the CloudFlow message; a presence event is ' +
      '`{"type":"deviceConnected"|"deviceDisconnected","referenceId","at","reason"?}`, reason ∈ closed, replaced, livenessLost, revoked, hubGone.',
    example: {
      type: 'deviceDisconnected',
      referenceId: 'till-7',
      at: '2026-12-03T10:00:00.000Z',
      reason: 'livenessLost',
    },
  })
  body: Record<string, unknown>;
}

export class FeedPageDto {
  @ApiProperty({ type: [FeedEventDto] }) events: FeedEventDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Pass as `after` for the next page (the same when no event came; null while the feed is empty).',
    example: '48213.1077',
  })
  next: string | null;
}
