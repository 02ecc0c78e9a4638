import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { WEBSOCKET_TOKEN_TTL_SECONDS, type Jwks } from '@cloudflow/contracts';
import { DatabaseService, LOGGER } from '@cloudflow/platform';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AuthConfig } from '../auth.config';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { SigningKeyEntity } from './signing-key.entity';
import { SigningKeyRepository } from './signing-key.repository';
import { TokenSigner } from './token.signer';

/** Clock skew and slack allowed on top of a token's lifetime before its key is deleted. */
const SKEW_SECONDS = 60;

/**
 * Owns the JWT signing keys: makes sure one is active once the database is up (so the first
 * token request does not pay for it), hands out a signer for it, publishes the public keys, and
 * rotates them (issue 12): every SIGNING_KEY_ROTATION_SECONDS a new key takes over, the old one
 * stays published until the longest-lived token it signed has expired, then it is deleted.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap, OnApplicationShutdown {
  private current?: Promise<TokenSigner>;
  private stopped = false;
  private rotation?: NodeJS.Timeout;
  /** How often each replica checks for a due rotation (and for a key another replica rotated to). */
  readonly checkEveryMs: number;
  /** How long a retired key stays published. */
  readonly keepRetiredSeconds: number;

  constructor(
    private readonly config: AuthConfig,
    private readonly db: DatabaseService,
    private readonly repository: SigningKeyRepository,
    private readonly secrets: AuthSecrets,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.checkEveryMs = Math.min(60_000, Math.max(1000, (config.SIGNING_KEY_ROTATION_SECONDS * 1000) / 10));
    // A replica may go on signing with a retired key until its next check: that counts as lifetime too.
    const longest = Math.max(
      config.ACCESS_TOKEN_TTL_SECONDS,
      config.PORTAL_SESSION_TTL_SECONDS,
      WEBSOCKET_TOKEN_TTL_SECONDS,
    );
    this.keepRetiredSeconds = longest + Math.ceil(this.checkEveryMs / 1000) + SKEW_SECONDS;
  }

  onApplicationBootstrap(): void {
    void this.warmUp();
    this.rotation = setInterval(() => void this.rotateIfDue(), this.checkEveryMs).unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.rotation);
  }

  /** One rotation check; also picks up a key another replica rotated to. A failure waits for the next check. */
  async rotateIfDue(): Promise<void> {
    try {
      const kid = await this.repository.rotate(
        this.config.SIGNING_KEY_ROTATION_SECONDS,
        this.keepRetiredSeconds,
        () => this.generate(),
      );
      const signer = await this.current?.catch(() => undefined);
      if (signer && signer.kid !== kid) this.current = undefined;
    } catch (err) {
      this.logger.warn({ err }, 'signing key rotation check failed; retrying at the next check');
    }
  }

  /** The signer of the active key; a failed load (database down) is retried on the next call. */
  signer(): Promise<TokenSigner> {
    this.current ??= this.load().catch((error: unknown) => {
      this.current = undefined;
      throw error;
    });
    return this.current;
  }

  async jwks(): Promise<Jwks> {
    const keys = await this.repository.published();
    return { keys: keys.map((k) => k.publicJwk) };
  }

  private async warmUp(): Promise<void> {
    await this.db.whenReady();
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.signer();
        return;
      } catch (err) {
        if (attempt === 1) this.logger.warn({ err }, 'no signing key yet; retrying');
        await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5000)));
      }
    }
  }

  private async load(): Promise<TokenSigner> {
    const key = await this.repository.activeOrCreate(() => this.generate());
    const jwk = JSON.parse(this.secrets.unwrap(key.privateJwkEnc, wrapAad(key.kid))) as Record<
      string,
      string
    >;
    return new TokenSigner(key.kid, createPrivateKey({ key: jwk, format: 'jwk' }));
  }

  private generate(): SigningKeyEntity {
    const kid = randomBytes(12).toString('base64url');
    const { privateKey } = generateKeyPairSync('ed25519');
    const { kty, crv, x, d } = privateKey.export({ format: 'jwk' });
    const key = new SigningKeyEntity();
    key.kid = kid;
    key.publicJwk = { kty: kty!, crv: crv!, x: x!, kid, alg: 'EdDSA', use: 'sig' };
    key.privateJwkEnc = this.secrets.wrap(JSON.stringify({ kty, crv, x, d }), wrapAad(kid));
    key.createdAt = new Date();
    key.active = true;
    key.retiredAt = null;
    this.logger.info({ kid }, 'created a JWT signing key');
    return key;
  }
}

function wrapAad(kid: string): string {
  return `signing-key:${kid}`;
}
