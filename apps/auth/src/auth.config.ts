import { BaseConfig } from '@cloudflow/platform';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

export class AuthConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8070;
  /** The HMAC key for token hashes and the root of the signing-key wrapping key. Required: no default. */
  @IsString() @MinLength(32) AUTH_HASH_KEY!: string;
  @IsInt() @Min(60) @Max(86_400) ACCESS_TOKEN_TTL_SECONDS = 3600;
  @IsInt() @Min(60) @Max(31_536_000) REFRESH_TOKEN_TTL_SECONDS = 2_592_000;
  @IsInt() @Min(60) @Max(604_800) PORTAL_SESSION_TTL_SECONDS = 43_200;
  @IsInt() @Min(0) SANDBOX_USAGE_LIMIT_PER_DAY = 1000;
  @IsInt() @Min(0) SANDBOX_RATE_PER_SECOND = 10;
  /** Limits of a new production key; the operator can change them per key. */
  @IsInt() @Min(0) PRODUCTION_USAGE_LIMIT_PER_DAY = 1_000_000;
  @IsInt() @Min(0) PRODUCTION_RATE_PER_SECOND = 100;
}
