import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXTERNAL_ID, OPTIONAL_EVENT_TYPES, type OptionalEventType } from '@cloudflow/contracts';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsPlainText } from '../common/plain-text';
import { WEBHOOK_URL_MAX } from './webhook-url.rule';

export const CONNECTION_LIMIT_DEFAULT = 10;
/** Async request timeout (issue 4): default 150 s, configurable per account. */
export const REQUEST_TIMEOUT_DEFAULT_S = 150;
const REQUEST_TIMEOUT_MIN_S = 5;
const REQUEST_TIMEOUT_MAX_S = 3600;
const CONNECTION_LIMIT_MAX = 100_000;
const ID_CHARACTERS = '$property may contain only letters, digits and . _ : @ -';

// The webhook URL's policy (https, no private hosts) depends on the deployment, so the
// service judges it (webhook-url.rule.ts); here only its type and size.

export class CreateAccountDto {
  @ApiPropertyOptional({
    description: 'Your id for the account (letters, digits and . _ : @ -); generated when left out.',
    example: 'pos-main-street',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(EXTERNAL_ID, { message: ID_CHARACTERS })
  accountId?: string;
  @ApiProperty({ maxLength: 200, example: 'Main Street POS' })
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name: string;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: CONNECTION_LIMIT_MAX,
    default: CONNECTION_LIMIT_DEFAULT,
    description:
      "Websockets the account may hold at once. Above the deployment's ceiling (CONNECTION_LIMIT_CEILING, default 10,000) the answer is 422.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CONNECTION_LIMIT_MAX)
  connectionLimit?: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: WEBHOOK_URL_MAX,
    description: 'https URL for async results (CONTRACT.md §8).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX)
  webhookUrl?: string | null;
  @ApiPropertyOptional({
    type: [String],
    enum: OPTIONAL_EVENT_TYPES,
    uniqueItems: true,
    description:
      "Event kinds the account's webhooks and events feed carry besides its requests' messages (always on): `deviceConnected`, `deviceDisconnected`. Default none.",
    example: ['deviceConnected', 'deviceDisconnected'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(OPTIONAL_EVENT_TYPES.length)
  @IsIn(OPTIONAL_EVENT_TYPES, {
    each: true,
    message: `each value in webhookEvents must be one of ${OPTIONAL_EVENT_TYPES.join(', ')}`,
  })
  webhookEvents?: OptionalEventType[];
  @ApiPropertyOptional({
    minimum: REQUEST_TIMEOUT_MIN_S,
    maximum: REQUEST_TIMEOUT_MAX_S,
    default: REQUEST_TIMEOUT_DEFAULT_S,
  })
  @IsOptional()
  @IsInt()
  @Min(REQUEST_TIMEOUT_MIN_S)
  @Max(REQUEST_TIMEOUT_MAX_S)
  requestTimeoutSeconds?: number;
}

/** Only what is sent changes; `webhookUrl: null` removes the URL. */
export class UpdateAccountDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @ValidateIf((o: UpdateAccountDto) => o.name !== undefined)
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: CONNECTION_LIMIT_MAX,
    description:
      "Above the deployment's ceiling (CONNECTION_LIMIT_CEILING, default 10,000) the answer is 422.",
  })
  @ValidateIf((o: UpdateAccountDto) => o.connectionLimit !== undefined)
  @IsInt()
  @Min(1)
  @Max(CONNECTION_LIMIT_MAX)
  connectionLimit?: number;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: WEBHOOK_URL_MAX,
    description: 'https URL for async results (CONTRACT.md §8).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX)
  webhookUrl?: string | null;
  @ApiPropertyOptional({
    type: [String],
    enum: OPTIONAL_EVENT_TYPES,
    uniqueItems: true,
    description:
      "Event kinds the account's webhooks and events feed carry besides its requests' messages (always on): `deviceConnected`, `deviceDisconnected`. Default none.",
    example: ['deviceConnected', 'deviceDisconnected'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(OPTIONAL_EVENT_TYPES.length)
  @IsIn(OPTIONAL_EVENT_TYPES, {
    each: true,
    message: `each value in webhookEvents must be one of ${OPTIONAL_EVENT_TYPES.join(', ')}`,
  })
  webhookEvents?: OptionalEventType[];
  @ApiPropertyOptional({ minimum: REQUEST_TIMEOUT_MIN_S, maximum: REQUEST_TIMEOUT_MAX_S })
  @ValidateIf((o: UpdateAccountDto) => o.requestTimeoutSeconds !== undefined)
  @IsInt()
  @Min(REQUEST_TIMEOUT_MIN_S)
  @Max(REQUEST_TIMEOUT_MAX_S)
  requestTimeoutSeconds?: number;
}

export class AccountParams {
  @ApiProperty({ description: 'The account id (case-sensitive).', example: 'pos-main-street' })
  @IsString()
  @Length(1, 64)
  @Matches(EXTERNAL_ID, { message: ID_CHARACTERS })
  accountId: string;
}
