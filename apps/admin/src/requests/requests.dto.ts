import { EXTERNAL_ID, REQUEST_LOG_PAGE, REQUEST_STATUSES, type RequestStatus } from '@cloudflow/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

/** GET /admin/v1/requests filters: exact and optional; `limit` caps the page (newest first). */
export class ListRequestsQuery {
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(EXTERNAL_ID, { message: '$property may contain only letters, digits and . _ : @ -' })
  accountId?: string;
  @IsOptional() @IsString() @Length(1, 100) target?: string;
  @IsOptional() @IsIn(REQUEST_STATUSES) status?: RequestStatus;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(REQUEST_LOG_PAGE.max) limit?: number;
}
