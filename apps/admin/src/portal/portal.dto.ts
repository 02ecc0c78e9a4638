import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsTimeZone } from '../common/is-time-zone.validator';
import { IsPlainText, IsUsername } from '../common/plain-text';

// Bounds match what auth accepts (RegisterDeveloperRequest, SetUserCredentialsRequest).
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 256;

export class SignupDto {
  @IsString() @Length(1, 200) @IsPlainText() name: string;
  @IsEmail() @MaxLength(320) email: string;
  @IsString() @Length(PASSWORD_MIN, PASSWORD_MAX) password: string;
}

export class LoginDto {
  @IsString() @Length(1, 320) email: string;
  @IsString() @Length(1, PASSWORD_MAX) password: string;
}

export class RevealKeyDto {
  @IsString() @Length(1, PASSWORD_MAX) password: string;
}

export class CreateCompanyDto {
  @IsString() @Length(1, 200) @IsPlainText() name: string;
}

export class CreateAdminUserDto {
  @IsString()
  @Length(1, 100)
  @IsUsername()
  username: string;

  @IsString() @Length(PASSWORD_MIN, PASSWORD_MAX) password: string;

  @IsOptional() @IsString() @Matches(/^[0-9]{4,12}$/, { message: 'pin must be 4 to 12 digits' }) pin?: string;

  @IsTimeZone() timeZone: string;

  @IsOptional() @IsString() @Length(1, 200) @IsPlainText() name?: string;

  @IsOptional() @IsEmail() @MaxLength(320) email?: string;
}
