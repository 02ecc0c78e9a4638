import { BaseConfig } from '@cloudflow/platform';
import { IsBoolean, IsInt, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';

export class AdminConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8081;
  /**
   * Bearer token of the platform operator API (CONTRACT.md §11). Unset or empty means the
   * operator API is closed (every call 401); a token too short to resist guessing stops start-up.
   */
  @ValidateIf(
    (c: AdminConfig) => c.CLOUDFLOW_OPERATOR_TOKEN !== undefined && c.CLOUDFLOW_OPERATOR_TOKEN !== '',
  )
  @IsString()
  @MinLength(16)
  @MaxLength(512)
  CLOUDFLOW_OPERATOR_TOKEN?: string;

  /**
   * Lets accounts use `http://` webhook URLs on a loopback host (local runs and sandboxes,
   * where the receiver is a test server on this machine). Off in production: https only.
   */
  @IsBoolean() WEBHOOK_ALLOW_LOOPBACK_HTTP = false;

  /**
   * Operator ceiling on an account's own `connectionLimit` (issue 12 item 7): a tenant may not
   * set a limit above it (422). Deployment-wide for now; per-tenant ceilings are not built yet.
   */
  @IsInt() @Min(1) @Max(100_000) CONNECTION_LIMIT_CEILING = 10_000;
}
