import { EXTERNAL_ID, REQUEST_LOG_PAGE, REQUEST_STATUSES, type RequestStatus } from '@cloudflow/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

/** GET /admin/v1/requests filters: exact and optional; `limit` caps the page (newest first). */
export class ListRequestsQuery {
  @ApiPropertyOptional({ description: 'Only this account.', example: 'pos-main-street' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(EXTERNAL_ID, { message: '$property may contain only letters, digits and . _ : @ -' })
  accountId?: string;
  @ApiPropertyOptional({ description: 'Only requests to this device (referenceId).', example: 'till-7' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  target?: string;
  @ApiPropertyOptional({ enum: REQUEST_STATUSES, description: 'Only requests in this status.' })
  @IsOptional()
  @IsIn(REQUEST_STATUSES)
  status?: RequestStatus;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: REQUEST_LOG_PAGE.max,
    default: REQUEST_LOG_PAGE.default,
    description: 'How many requests (and dead letters) at most, newest first.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(REQUEST_LOG_PAGE.max)
  limit?: number;
}
