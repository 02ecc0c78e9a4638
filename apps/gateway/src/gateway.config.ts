import { BaseConfig } from '@cloudflow/platform';
import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';

export class GatewayConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8080;
  /** Where POS clients and devices open their websocket: in production a load balancer in front of the hubs. */
  @IsString() @Matches(/^wss?:\/\/\S+$/, { message: 'HUB_PUBLIC_URL must be a ws:// or wss:// URL' }) HUB_PUBLIC_URL = 'ws://localhost:8090/ws';
  /**
   * How long a verified account/device credential is trusted without asking auth again. The
   * revocation broadcast drops entries at once; this bounds the damage of a missed broadcast.
   */
  @IsInt() @Min(0) @Max(300_000) CREDENTIAL_CACHE_TTL_MS = 30_000;

  // Webhook deliveries (CONTRACT.md §8). Times are settings so tests can compress 72 h into seconds.
  /** `http://` webhook URLs on loopback addresses (local runs, sandboxes); off in production: https only. */
  @IsBoolean() WEBHOOK_ALLOW_LOOPBACK_HTTP = false;
  /** First retry delay; each further one doubles (with jitter) up to WEBHOOK_BACKOFF_MAX_MS. */
  @IsInt() @Min(10) @Max(3_600_000) WEBHOOK_BACKOFF_BASE_MS = 1000;
  @IsInt() @Min(10) @Max(86_400_000) WEBHOOK_BACKOFF_MAX_MS = 3_600_000;
  /** A delivery still failing this long after it was queued becomes dead (≥ 72 h in production). */
  @IsInt() @Min(100) WEBHOOK_MAX_AGE_MS = 72 * 3_600_000;
  /** Per-attempt limit for the receiver to answer. */
  @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS = 10_000;
  /** How long a claimed delivery belongs to one worker (at least the timeout + 1 s); a crashed worker's rows wait this long. */
  @IsInt() @Min(200) @Max(600_000) WEBHOOK_LEASE_MS = 30_000;
  /** Safety-net poll; the normal wake-up is a Postgres NOTIFY on commit of an enqueue. */
  @IsInt() @Min(20) @Max(60_000) WEBHOOK_POLL_MS = 1000;
  /** Deliveries one gateway has in flight at once. */
  @IsInt() @Min(1) @Max(500) WEBHOOK_CONCURRENCY = 16;
  /** How long an account's webhook URL is reused without asking admin (changes also drop it at once). */
  @IsInt() @Min(0) @Max(300_000) WEBHOOK_TARGET_CACHE_MS = 10_000;
  /** Delivered and dead rows (with their attempts) are kept this long for the admin request log, then purged. */
  @IsInt() @Min(1) WEBHOOK_RETENTION_HOURS = 96;

  // Requests to devices (issue 4). Times are settings so tests can compress them.
  /** How long a device's hub may take to confirm it wrote an async request to the socket. */
  @IsInt() @Min(100) @Max(60_000) REQUEST_DELIVERY_TIMEOUT_MS = 5000;
  /** How often open requests are checked: their device connection still exists, their timeout not passed. */
  @IsInt() @Min(100) @Max(60_000) REQUEST_WATCH_MS = 1000;
  /** Timeout of an account's requests when the account names none (CONTRACT.md §5: 150 s). */
  @IsInt() @Min(1) @Max(86_400) REQUEST_TIMEOUT_DEFAULT_S = 150;
  /** Requests are kept at least this long (idempotency needs ≥ 48 h); older ones are deleted. */
  @IsInt() @Min(48) REQUEST_RETENTION_HOURS = 72;
}
