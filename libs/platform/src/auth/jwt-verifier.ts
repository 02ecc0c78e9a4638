import { CloudFlowError, ErrorCode, TOKEN_ISSUER, type Jwks } from '@cloudflow/contracts';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';

/** Only the algorithm auth signs with; `none`, HS* and RS* are refused before any key is tried. */
export const JWT_ALGORITHMS = ['EdDSA'];
const REFRESH_AT_MOST_EVERY_MS = 10_000;

/**
 * Verifies auth's JWTs locally against its public keys (fetched once, refreshed when an
 * unknown `kid` appears), so no request pays a NATS round trip to auth.
 */
export class JwtVerifier {
  private keySet?: ReturnType<typeof createLocalJWKSet>;
  /** Only refreshes forced by an unknown kid are throttled (a flood of made-up kids is not a flood of RPCs). */
  private forcedAt = 0;
  private fetching?: Promise<void>;

  constructor(private readonly loadJwks: () => Promise<Jwks>) {}

  async verify(token: string, audience: string): Promise<JWTPayload & { sub: string }> {
    if (!token || token.length > 4096) throw invalid();
    try {
      return await this.verifyOnce(token, audience);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey && Date.now() - this.forcedAt > REFRESH_AT_MOST_EVERY_MS) {
        this.forcedAt = Date.now();
        await this.refresh();
        return this.verifyOnce(token, audience).catch((e: unknown) => {
          throw toUnauthorized(e);
        });
      }
      throw toUnauthorized(error);
    }
  }

  private async verifyOnce(token: string, audience: string): Promise<JWTPayload & { sub: string }> {
    if (!this.keySet) await this.refresh();
    const { payload } = await jwtVerify(token, this.keySet!, {
      algorithms: JWT_ALGORITHMS,
      issuer: TOKEN_ISSUER,
      audience,
      requiredClaims: ['exp', 'sub', 'iat'],
    });
    return payload as JWTPayload & { sub: string };
  }

  private refresh(): Promise<void> {
    this.fetching ??= this.loadJwks()
      .then((jwks) => {
        this.keySet = createLocalJWKSet(jwks as unknown as Parameters<typeof createLocalJWKSet>[0]);
      })
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }
}

function invalid(): CloudFlowError {
  return new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token');
}

function toUnauthorized(error: unknown): CloudFlowError {
  if (error instanceof CloudFlowError) return error;
  if (error instanceof joseErrors.JWTExpired) return new CloudFlowError(ErrorCode.unauthorized, 'Token has expired');
  return invalid();
}
