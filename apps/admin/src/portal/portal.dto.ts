import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsTimeZone } from '../common/is-time-zone.validator';
import { IsPlainText, IsUsername } from '../common/plain-text';

// Bounds match what auth accepts (RegisterDeveloperRequest, SetUserCredentialsRequest).
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 256;

export class SignupDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name: string;
  @ApiProperty({ format: 'email', maxLength: 320, example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(320)
  email: string;
  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, example: 'portal-pass-1' })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  password: string;
}

export class LoginDto {
  @ApiProperty({ maxLength: 320, example: 'ada@example.com' }) @IsString() @Length(1, 320) email: string;
  @ApiProperty({ maxLength: PASSWORD_MAX, example: 'portal-pass-1' })
  @IsString()
  @Length(1, PASSWORD_MAX)
  password: string;
}

export class RevealKeyDto {
  @ApiProperty({ description: "The developer's portal password, asked again.", example: 'portal-pass-1' })
  @IsString()
  @Length(1, PASSWORD_MAX)
  password: string;
}

export class CreateCompanyDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Ada Coffee' })
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name: string;
}

export class CreateAdminUserDto {
  @ApiProperty({ minLength: 1, maxLength: 100, description: 'Case sensitive.', example: 'ada' })
  @IsString()
  @Length(1, 100)
  @IsUsername()
  username: string;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, example: 'admin-pass-1' })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  password: string;

  @ApiPropertyOptional({ pattern: '^[0-9]{4,12}$', example: '1234' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9]{4,12}$/, { message: 'pin must be 4 to 12 digits' })
  pin?: string;

  @ApiProperty({ description: 'IANA time zone.', example: 'Europe/Dublin' }) @IsTimeZone() timeZone: string;

  @ApiPropertyOptional({ maxLength: 200, description: "Defaults to the developer's name." })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string;

  @ApiPropertyOptional({ format: 'email', maxLength: 320, description: "Defaults to the developer's email." })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  email?: string;
}
