import { BaseConfig } from '@cloudflow/platform';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export class GatewayConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8080;
  /** Where POS clients and devices open their websocket: in production a load balancer in front of the hubs. */
  @IsString()
  @Matches(/^wss?:\/\/\S+$/, { message: 'HUB_PUBLIC_URL must be a ws:// or wss:// URL' })
  HUB_PUBLIC_URL = 'ws://localhost:8090/ws';
  /**
   * How long a verified account/device credential is trusted without asking auth again. The
   * revocation broadcast drops entries at once; this bounds the damage of a missed broadcast,
   * so it is at most the contract's 5 s for "a revoked credential stops working" (issue 12 item 1).
   */
  @IsInt() @Min(0) @Max(5_000) CREDENTIAL_CACHE_TTL_MS = 5_000;

  /**
   * How long an account's settings and a device's record (admin's answers) are reused by the
   * request path. Change broadcasts drop them at once; this bounds a missed one, so it may not
   * exceed 5 s (a disabled device must stop working within 5 s). 0 turns the cache off.
   */
  @IsInt() @Min(0) @Max(5000) RELAY_LOOKUP_CACHE_MS = 5000;

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
  /** Delivered rows (with their attempts) are kept this long after they were queued, for the admin request log, then purged. */
  @IsInt() @Min(1) WEBHOOK_RETENTION_HOURS = 96;
  /**
   * Dead rows are kept this long after they went dead (issue 14), so a receiver that comes back
   * after the 72 h of retries can still have them redelivered (POST …/webhook-deliveries/redeliver).
   */
  @IsInt() @Min(1) WEBHOOK_DEAD_RETENTION_HOURS = 30 * 24;
  /**
   * Deliveries of one account in flight at once, counted over every gateway (live leases): a
   * slow receiver holds at most this many of the workers' slots, the others keep flowing (issue 14).
   */
  @IsInt() @Min(1) @Max(500) WEBHOOK_ACCOUNT_CONCURRENCY = 8;
  /**
   * A receiver whose every attempt failed for this long is disabled: nothing is attempted until
   * the tenant enables it again (POST /admin/v1/accounts/{accountId}/webhook/enable). 5 days.
   */
  @IsInt() @Min(1000) WEBHOOK_DISABLE_AFTER_MS = 5 * 24 * 3_600_000;

  // Requests to devices (issue 4). Times are settings so tests can compress them.
  /** How long a device's hub may take to confirm it wrote an async request to the socket. */
  @IsInt() @Min(100) @Max(60_000) REQUEST_DELIVERY_TIMEOUT_MS = 5000;
  /** How often open requests are checked: their device connection still exists, their timeout not passed. */
  @IsInt() @Min(100) @Max(60_000) REQUEST_WATCH_MS = 1000;
  /** Timeout of an account's requests when the account names none (CONTRACT.md §5: 150 s). */
  @IsInt() @Min(1) @Max(86_400) REQUEST_TIMEOUT_DEFAULT_S = 150;
  /** Calls one gateway holds open for `Prefer: wait` at once; past it a call answers at once (202). */
  @IsInt() @Min(0) @Max(100_000) PREFER_WAIT_MAX_CALLS = 1000;
  /** How long a cancel waits for the terminal's word before it answers `pending`. */
  @IsInt() @Min(0) @Max(60_000) CANCEL_WAIT_MS = 5000;
  /** Requests are kept at least this long (idempotency needs ≥ 48 h); older ones are deleted. */
  @IsInt() @Min(48) REQUEST_RETENTION_HOURS = 72;

  /**
   * After the delivery deadline, how much longer the gateway waits for the hub's word before it
   * answers "outcome unknown" (issue 9, hole 1): a hub never writes past the deadline, so an
   * answer after deadline + margin means "delivered before the deadline, or never".
   */
  @IsInt() @Min(100) @Max(10_000) REQUEST_DEADLINE_MARGIN_MS = 500;

  // The request-event consumer (issue 9, hole 4). Unset = the platform's defaults (1000, 100).
  /** Events handed out and not yet acknowledged, across all replicas (tests lower it). */
  @IsOptional() @IsInt() @Min(1) @Max(100_000) REQUEST_EVENTS_MAX_ACK_PENDING?: number;
  /**
   * Deliveries of one event at most; on the last one an unrecordable event is dead-lettered. At
   * least 50: well above the recorder's 40 waits for an earlier index (MAX_WAITS), so no event is
   * dead-lettered merely for waiting.
   */
  @IsOptional() @IsInt() @Min(50) @Max(10_000) REQUEST_EVENTS_MAX_DELIVER?: number;
  /** Dead letters are kept this long for the admin request log. */
  @IsInt() @Min(1) DEAD_LETTER_RETENTION_HOURS = 7 * 24;

  // The account's events (issue 14): presence pushed, the feed.
  /** How often each gateway looks for hubs that died with device sockets announced open (they end as `hubGone`). */
  @IsInt() @Min(100) @Max(60_000) PRESENCE_SWEEP_MS = 5000;
  /** How far back GET /client/v1.1/events reaches (the webhook outbox keeps its rows at least this long). */
  @IsInt() @Min(1) @Max(24 * 30) EVENTS_RETENTION_HOURS = 72;

  // Admission control on POST /client/v1.1/requests (issue 9, hole 9): shed before anything is dispatched.
  /** POSTs one gateway works on at once; more get 429 tooManyRequests with Retry-After. */
  @IsInt() @Min(1) @Max(100_000) REQUEST_ADMISSION_MAX_IN_FLIGHT = 200;
  /** Queries waiting for a pooled Postgres connection beyond which new POSTs get 429. */
  @IsInt() @Min(0) @Max(100_000) REQUEST_ADMISSION_MAX_DB_WAITING = 20;
  /** A POST that waited in this gateway longer than this before admission is shed (while others are in flight, see below). */
  @IsInt() @Min(1) @Max(60_000) REQUEST_ADMISSION_MAX_QUEUE_MS = 250;
  /** Timers running later than this (event-loop lag) shed new POSTs (while others are in flight, see below). */
  @IsInt() @Min(1) @Max(60_000) REQUEST_ADMISSION_MAX_LAG_MS = 200;
  /** POSTs in flight from which the two latency limits above apply: a lone slow POST is not overload. */
  @IsInt() @Min(0) @Max(100_000) REQUEST_ADMISSION_LATENCY_MIN_IN_FLIGHT = 16;
  /** The Retry-After (seconds) of a shed POST. */
  @IsInt() @Min(1) @Max(60) REQUEST_ADMISSION_RETRY_AFTER_S = 1;

  /**
   * SIGTERM: how long in-flight HTTP requests may take to finish before the gateway closes anyway.
   * With the manifest's 5 s preStop this stays inside k8s' 30 s grace; a POST needs at most the
   * delivery timeout + margin (5.5 s by default).
   */
  @IsInt() @Min(0) @Max(600_000) SHUTDOWN_GRACE_MS = 20_000;

  /** How often a gateway counts the outbox's dead deliveries for `cloudflow_webhook_dead_deliveries` (one at a time cluster-wide). */
  @IsInt() @Min(100) @Max(3_600_000) METRICS_DEAD_DELIVERIES_MS = 60_000;
}
