import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { LOGGER } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { AuthConfig } from '../auth.config';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { argon2Gate } from '../crypto/password.crypto';
import { GuessCounterRepository, type CounterCharge } from './guess-counter.repository';
import type { GuessPolicy } from './guess.policy';

const SWEEP_EVERY_MS = 5 * 60_000;

/** What a password check is for: its counter key is this plus the identifier. */
export type GuessTarget = 'login:email' | 'login:user' | 'reveal';

/**
 * Throttles password guessing and sign-ups across every auth replica (issue 12): counted in
 * Postgres before the argon2 run, refused with 429 `tooManyRequests` + Retry-After while a
 * counter says wait. The counter keys are HMACs, never the email or address itself.
 */
@Injectable()
export class GuessThrottle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly identifierPolicy: GuessPolicy;
  private readonly addressPolicy: GuessPolicy;
  private readonly signupPolicy: GuessPolicy;
  private sweeper?: NodeJS.Timeout;

  constructor(
    config: AuthConfig,
    private readonly secrets: AuthSecrets,
    private readonly counters: GuessCounterRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const common = {
      maxDelaySeconds: config.GUESS_MAX_DELAY_SECONDS,
      lockSeconds: config.GUESS_LOCKOUT_SECONDS,
    };
    this.identifierPolicy = {
      ...common,
      free: config.GUESS_FREE_FAILURES,
      lockAt: config.GUESS_LOCKOUT_FAILURES,
    };
    this.addressPolicy = {
      ...common,
      free: config.ADDRESS_FREE_FAILURES,
      lockAt: config.ADDRESS_LOCKOUT_FAILURES,
    };
    this.signupPolicy = {
      free: config.SIGNUP_FREE_PER_ADDRESS,
      lockAt: config.SIGNUP_LOCKOUT_PER_ADDRESS,
      maxDelaySeconds: config.GUESS_MAX_DELAY_SECONDS,
      lockSeconds: 3600,
    };
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Runs one password check under the counters of `identifier` and `address`. A right password
   * clears the identifier's counter and takes the address's count back; a check that throws
   * (shed by the argon2 gate, database down) is not counted as a guess.
   */
  async check(
    target: GuessTarget,
    identifier: string,
    address: string | undefined,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    // In a flood, shed before the counters' database write, not only before the argon2 run.
    argon2Gate.admit();
    const own = this.key(`${target}:${identifier}`);
    const charges: CounterCharge[] = [{ key: own, policy: this.identifierPolicy }];
    if (address) charges.push({ key: this.key(`address:${address}`), policy: this.addressPolicy });
    await this.charge(charges, 'Too many failed attempts, try again later');
    let ok: boolean;
    try {
      ok = await verify();
    } catch (error) {
      await this.counters
        .refund(charges.map((c) => c.key))
        .catch((err: unknown) => this.logger.warn({ err }, 'could not refund a guess'));
      throw error;
    }
    if (ok) {
      await this.counters.clear(own);
      if (address) await this.counters.refund([charges[1].key]);
    }
    return ok;
  }

  /** Counts one sign-up from `address` (each mints a sandbox key); never taken back. */
  async signup(address: string | undefined): Promise<void> {
    if (!address) return;
    await this.charge(
      [{ key: this.key(`signup:${address}`), policy: this.signupPolicy }],
      'Too many sign-ups from this address, try again later',
    );
  }

  private async charge(charges: CounterCharge[], message: string): Promise<void> {
    const wait = await this.counters.charge(charges);
    if (wait > 0)
      throw new CloudFlowError(ErrorCode.tooManyRequests, message, { retryAfterSeconds: Math.ceil(wait) });
  }

  private key(what: string): string {
    return this.secrets.hashToken(`guess:${what}`);
  }

  private async sweep(): Promise<void> {
    try {
      await this.counters.sweep();
    } catch (err) {
      // The database may be down for a while; the next sweep catches up.
      this.logger.debug({ err }, 'guess counter sweep failed');
    }
  }
}
