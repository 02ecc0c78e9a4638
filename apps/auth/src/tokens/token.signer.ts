import { TOKEN_ISSUER, TOKEN_TYPES } from '@cloudflow/contracts';
import { SignJWT, type JWTPayload } from 'jose';
import { randomUUID, type KeyObject } from 'node:crypto';

export interface TokenRequest {
  audience: string;
  subject: string;
  ttlSeconds: number;
  /** Extra claims (tid, scope); the registered ones below always win. */
  claims?: JWTPayload;
}

export interface SignedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

/**
 * Signs auth's JWTs: EdDSA (Ed25519), `kid` in the header, `typ` naming the kind of token
 * (verifiers check it: RFC 8725 §3.11), iss/aud/sub/iat/exp/jti always set.
 */
export class TokenSigner {
  constructor(
    readonly kid: string,
    private readonly privateKey: KeyObject,
  ) {}

  async sign(request: TokenRequest): Promise<SignedToken> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + request.ttlSeconds;
    const jti = randomUUID();
    const token = await new SignJWT({ ...request.claims })
      .setProtectedHeader({
        alg: 'EdDSA',
        kid: this.kid,
        typ: (TOKEN_TYPES as Record<string, string>)[request.audience] ?? 'JWT',
      })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(request.audience)
      .setSubject(request.subject)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(this.privateKey);
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }
}
