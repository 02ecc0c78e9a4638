import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsTimeZone } from '../common/is-time-zone.validator';
import { IsPlainText, IsUsername } from '../common/plain-text';

/** POST /admin/v1/users (CONTRACT.md §9); bounds match auth's SetUserCredentialsRequest. */
export class CreateUserDto {
  @ApiProperty({ minLength: 1, maxLength: 100, description: 'Unique in the business; case sensitive.' })
  @IsString()
  @Length(1, 100)
  @IsUsername()
  username: string;

  @ApiProperty({ minLength: 8, maxLength: 256, description: 'Kept only as an argon2id hash.' })
  @IsString()
  @Length(8, 256)
  password: string;

  @ApiPropertyOptional({ pattern: '^[0-9]{4,12}$' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9]{4,12}$/, { message: 'pin must be 4 to 12 digits' })
  pin?: string;

  @ApiProperty({ description: 'IANA time zone.', example: 'Europe/Dublin' }) @IsTimeZone() timeZone: string;

  /** Defaults to the username. */
  @ApiPropertyOptional({ maxLength: 200, description: 'Defaults to the username.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string;

  @ApiPropertyOptional({ format: 'email', maxLength: 320 })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;
}
