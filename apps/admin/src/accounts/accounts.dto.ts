import { EXTERNAL_ID } from '@cloudflow/contracts';
import {
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
const CONNECTION_LIMIT_MAX = 100_000;
const ID_CHARACTERS = '$property may contain only letters, digits and . _ : @ -';

// The webhook URL's policy (https, no private hosts) depends on the deployment, so the
// service judges it (webhook-url.rule.ts); here only its type and size.

export class CreateAccountDto {
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(EXTERNAL_ID, { message: ID_CHARACTERS })
  accountId?: string;
  @IsString() @Length(1, 200) @IsPlainText() name: string;
  @IsOptional() @IsInt() @Min(1) @Max(CONNECTION_LIMIT_MAX) connectionLimit?: number;
  @IsOptional() @IsString() @MaxLength(WEBHOOK_URL_MAX) webhookUrl?: string | null;
}

/** Only what is sent changes; `webhookUrl: null` removes the URL. */
export class UpdateAccountDto {
  @ValidateIf((o: UpdateAccountDto) => o.name !== undefined)
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string;
  @ValidateIf((o: UpdateAccountDto) => o.connectionLimit !== undefined)
  @IsInt()
  @Min(1)
  @Max(CONNECTION_LIMIT_MAX)
  connectionLimit?: number;
  @IsOptional() @IsString() @MaxLength(WEBHOOK_URL_MAX) webhookUrl?: string | null;
}

export class AccountParams {
  @IsString() @Length(1, 64) @Matches(EXTERNAL_ID, { message: ID_CHARACTERS }) accountId: string;
}
