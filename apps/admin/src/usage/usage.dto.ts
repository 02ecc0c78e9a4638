import { USAGE_GROUP_BY, type UsageGroupBy } from '@cloudflow/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MESSAGE = (field: string) => `${field} must be a UTC day YYYY-MM-DD`;

/** `from`/`to` of every usage query: UTC days, inclusive; both default to the last 30 days. */
export class UsageRangeDto {
  @ApiPropertyOptional({
    description: 'First UTC day, inclusive (default: 29 days before `to`).',
    example: '2026-11-01',
  })
  @IsOptional()
  @Matches(DAY, { message: DAY_MESSAGE('from') })
  from?: string;

  @ApiPropertyOptional({ description: 'Last UTC day, inclusive (default: today).', example: '2026-11-30' })
  @IsOptional()
  @Matches(DAY, { message: DAY_MESSAGE('to') })
  to?: string;

  @ApiPropertyOptional({
    enum: USAGE_GROUP_BY,
    description: 'One row per day (default) or per calendar month.',
    example: 'day',
  })
  @IsOptional()
  @IsIn(USAGE_GROUP_BY)
  groupBy?: UsageGroupBy;
}

/** The operator's query adds who: one developer (tenant owner) or one key. */
export class OperatorUsageQueryDto extends UsageRangeDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this developer (tenant owner).' })
  @IsOptional()
  @IsUUID()
  developerId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this APP key.' })
  @IsOptional()
  @IsUUID()
  keyId?: string;
}
