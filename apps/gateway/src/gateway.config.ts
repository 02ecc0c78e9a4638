import { BaseConfig } from '@cloudflow/platform';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';

export class GatewayConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8080;
  /** Where POS clients and devices open their websocket: in production a load balancer in front of the hubs. */
  @IsString() @Matches(/^wss?:\/\/\S+$/, { message: 'HUB_PUBLIC_URL must be a ws:// or wss:// URL' }) HUB_PUBLIC_URL = 'ws://localhost:8090/ws';
  /**
   * How long a verified account/device credential is trusted without asking auth again. The
   * revocation broadcast drops entries at once; this bounds the damage of a missed broadcast.
   */
  @IsInt() @Min(0) @Max(300_000) CREDENTIAL_CACHE_TTL_MS = 30_000;
}
