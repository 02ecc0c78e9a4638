import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Jwks } from '@cloudflow/contracts';
import { DatabaseService, LOGGER } from '@cloudflow/platform';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AuthSecrets } from '../crypto/auth-secrets.service';
import { SigningKeyEntity } from './signing-key.entity';
import { SigningKeyRepository } from './signing-key.repository';
import { TokenSigner } from './token.signer';

/**
 * Owns the JWT signing keys: makes sure one is active once the database is up (so the first
 * token request does not pay for it), hands out a signer for it, and publishes the public keys.
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap, OnApplicationShutdown {
  private current?: Promise<TokenSigner>;
  private stopped = false;

  constructor(
    private readonly db: DatabaseService,
    private readonly repository: SigningKeyRepository,
    private readonly secrets: AuthSecrets,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.warmUp();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
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
    this.logger.info({ kid }, 'created a JWT signing key');
    return key;
  }
}

function wrapAad(kid: string): string {
  return `signing-key:${kid}`;
}
