import { EXTERNAL_ID } from '@cloudflow/contracts';
import { IsBoolean, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { AccountParams } from '../accounts/accounts.dto';
import { IsPlainText } from '../common/plain-text';

const ID_CHARACTERS = '$property may contain only letters, digits and . _ : @ -';

export class CreateDeviceDto {
  @IsString() @Length(1, 100) @Matches(EXTERNAL_ID, { message: ID_CHARACTERS }) referenceId: string;
  @IsString() @Length(1, 100) @IsPlainText() serialNumber: string;
  @IsString() @Length(1, 100) @IsPlainText() model: string;
  @IsOptional() @IsString() @Length(1, 200) @IsPlainText() name?: string | null;
  @IsOptional() @IsString() @Length(1, 200) @IsPlainText() location?: string | null;
}

/** Only what is sent changes; `null` clears name or location. */
export class UpdateDeviceDto {
  @IsOptional() @IsString() @Length(1, 200) @IsPlainText() name?: string | null;
  @IsOptional() @IsString() @Length(1, 200) @IsPlainText() location?: string | null;
  @ValidateIf((o: UpdateDeviceDto) => o.enabled !== undefined) @IsBoolean() enabled?: boolean;
}

export class DeviceParams extends AccountParams {
  @IsString() @Length(1, 100) @Matches(EXTERNAL_ID, { message: ID_CHARACTERS }) referenceId: string;
}
