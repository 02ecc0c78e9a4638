import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXTERNAL_ID } from '@cloudflow/contracts';
import { IsBoolean, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { AccountParams } from '../accounts/accounts.dto';
import { IsPlainText } from '../common/plain-text';

const ID_CHARACTERS = '$property may contain only letters, digits and . _ : @ -';

export class CreateDeviceDto {
  @ApiProperty({
    maxLength: 100,
    description: 'Your id for the device (letters, digits and . _ : @ -); the `target` of requests.',
    example: 'till-7',
  })
  @IsString()
  @Length(1, 100)
  @Matches(EXTERNAL_ID, { message: ID_CHARACTERS })
  referenceId: string;
  @ApiProperty({ maxLength: 100, example: '1170021712' })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  serialNumber: string;
  @ApiProperty({ maxLength: 100, example: 'A920' })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  model: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Till 7' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Front counter' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  location?: string | null;
}

/** Only what is sent changes; `null` clears name or location. */
export class UpdateDeviceDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Till 7' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Front counter' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  location?: string | null;
  @ApiPropertyOptional({
    description: 'false disables the device: it cannot enrol and its socket is closed.',
  })
  @ValidateIf((o: UpdateDeviceDto) => o.enabled !== undefined)
  @IsBoolean()
  enabled?: boolean;
}

export class DeviceParams extends AccountParams {
  @ApiProperty({ description: "The device's referenceId (case-sensitive).", example: 'till-7' })
  @IsString()
  @Length(1, 100)
  @Matches(EXTERNAL_ID, { message: ID_CHARACTERS })
  referenceId: string;
}
