import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsTimeZone } from '../common/is-time-zone.validator';
import { IsPlainText, IsUsername } from '../common/plain-text';

/** POST /admin/v1/users (CONTRACT.md §9); bounds match auth's SetUserCredentialsRequest. */
export class CreateUserDto {
  @IsString()
  @Length(1, 100)
  @IsUsername()
  username: string;

  @IsString() @Length(8, 256) password: string;

  @IsOptional() @IsString() @Matches(/^[0-9]{4,12}$/, { message: 'pin must be 4 to 12 digits' }) pin?: string;

  @IsTimeZone() timeZone: string;

  /** Defaults to the username. */
  @IsOptional() @IsString() @Length(1, 200) @IsPlainText() name?: string;

  @IsOptional() @IsEmail() @MaxLength(320) email?: string;
}
