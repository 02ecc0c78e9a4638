import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  WEBHOOK_DELIVERY_PAGE,
  WEBHOOK_DELIVERY_STATUSES,
  type WebhookDeliveryStatus,
} from '@cloudflow/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { AccountParams } from '../accounts/accounts.dto';

export class DeliveryParams extends AccountParams {
  @ApiProperty({ format: 'uuid', description: 'The `CloudFlow-Delivery-Id` of the delivery.' })
  @IsUUID()
  deliveryId: string;
}

/** GET …/webhook-deliveries: exact status filter, newest first. */
export class ListDeliveriesQuery {
  @ApiPropertyOptional({ enum: WEBHOOK_DELIVERY_STATUSES, description: 'Only deliveries in this status.' })
  @IsOptional()
  @IsIn(WEBHOOK_DELIVERY_STATUSES)
  status?: WebhookDeliveryStatus;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: WEBHOOK_DELIVERY_PAGE.max,
    default: WEBHOOK_DELIVERY_PAGE.default,
    description: 'How many deliveries at most, newest first.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(WEBHOOK_DELIVERY_PAGE.max)
  limit?: number;
}
