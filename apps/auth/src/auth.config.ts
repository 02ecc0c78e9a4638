import { BaseConfig } from '@cloudflow/platform';
import { IsInt, IsNumber, IsString, Max, Min, MinLength } from 'class-validator';

export class AuthConfig extends BaseConfig {
  @IsInt() @Min(1) @Max(65535) PORT = 8070;
  /** The HMAC key for token hashes and the root of the signing-key wrapping key. Required: no default. */
  @IsString() @MinLength(32) AUTH_HASH_KEY!: string;
  /** Admin access tokens (issue 12): short, since a stolen one works until it expires or its user's password changes. */
  @IsInt() @Min(60) @Max(86_400) ACCESS_TOKEN_TTL_SECONDS = 900;
  @IsInt() @Min(60) @Max(31_536_000) REFRESH_TOKEN_TTL_SECONDS = 2_592_000;
  @IsInt() @Min(60) @Max(604_800) PORTAL_SESSION_TTL_SECONDS = 43_200;
  @IsInt() @Min(0) SANDBOX_USAGE_LIMIT_PER_DAY = 1000;
  @IsInt() @Min(0) SANDBOX_RATE_PER_SECOND = 10;
  /** Limits of a new production key; the operator can change them per key. */
  @IsInt() @Min(0) PRODUCTION_USAGE_LIMIT_PER_DAY = 1_000_000;
  @IsInt() @Min(0) PRODUCTION_RATE_PER_SECOND = 100;

  /** A new JWT signing key this often; the old one verifies until its last token expires. */
  @IsInt() @Min(10) @Max(31_536_000) SIGNING_KEY_ROTATION_SECONDS = 604_800;

  /**
   * After a webhook secret is rotated (issue 14), deliveries carry the old secret's signature
   * beside the new one for this long, so a receiver can switch without refusing anything.
   * Fractions are allowed (tests use seconds).
   */
  @IsNumber() @Min(0) @Max(720) WEBHOOK_SECRET_OVERLAP_HOURS = 24;

  /**
   * Guessing (issue 12): failed password checks per identifier (an email, a business + username,
   * a developer's reveal) are free up to GUESS_FREE_FAILURES, then each needs a growing pause
   * (1 s, 2 s, 4 s, … at most GUESS_MAX_DELAY_SECONDS) and at GUESS_LOCKOUT_FAILURES the
   * identifier is locked for GUESS_LOCKOUT_SECONDS. Per client address the same with the
   * ADDRESS_ numbers (larger: many people share a NAT). A counter is forgotten after
   * GUESS_LOCKOUT_SECONDS without failures; a right password clears its identifier's counter.
   */
  @IsInt() @Min(1) GUESS_FREE_FAILURES = 5;
  @IsInt() @Min(1) GUESS_LOCKOUT_FAILURES = 10;
  @IsInt() @Min(1) GUESS_MAX_DELAY_SECONDS = 60;
  @IsInt() @Min(1) GUESS_LOCKOUT_SECONDS = 900;
  @IsInt() @Min(1) ADDRESS_FREE_FAILURES = 20;
  @IsInt() @Min(1) ADDRESS_LOCKOUT_FAILURES = 100;
  /** Sign-ups per client address (each mints a sandbox key): free ones, then growing pauses, then a lock for an hour. */
  @IsInt() @Min(1) SIGNUP_FREE_PER_ADDRESS = 3;
  @IsInt() @Min(1) SIGNUP_LOCKOUT_PER_ADDRESS = 10;

  /**
   * argon2 runs at once in this process (each is 19 MiB and ~50 ms of a core); more wait in a
   * queue of at most ARGON2_MAX_QUEUE for at most ARGON2_MAX_WAIT_MS, beyond that they are
   * refused with 429 at once (shed) instead of piling up behind the callers' RPC timeout (5 s:
   * the wait leaves room for the run, the counters and the hops on a loaded machine).
   */
  @IsInt() @Min(1) @Max(64) ARGON2_MAX_CONCURRENT = 2;
  @IsInt() @Min(0) ARGON2_MAX_QUEUE = 16;
  @IsInt() @Min(10) ARGON2_MAX_WAIT_MS = 1500;
}
