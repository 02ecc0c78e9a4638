import { BaseConfig } from '@cloudflow/platform';
import { IsInt, Max, Min } from 'class-validator';

export class HubConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8090;
  /** Liveness: ping every interval; a socket that has not answered the previous ping is dropped. */
  @IsInt() @Min(1000) PING_INTERVAL_MS = 20_000;
  /** How long a hub waits for another hub to confirm a write to a device socket. */
  @IsInt() @Min(100) DELIVERY_TIMEOUT_MS = 5000;
  /** How often a requester's hub checks that the device's connection still exists. */
  @IsInt() @Min(100) INFLIGHT_CHECK_MS = 1000;
  /** On SIGTERM, how long to let in-flight transactions finish before closing sockets (1012). */
  @IsInt() @Min(0) DRAIN_TIMEOUT_MS = 10_000;
  /** Default per-account socket limit when the account names none. */
  @IsInt() @Min(1) DEFAULT_CONNECTION_LIMIT = 100;
}
