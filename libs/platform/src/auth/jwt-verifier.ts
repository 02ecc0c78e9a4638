import {
  CloudFlowError,
  ErrorCode,
  TOKEN_AUDIENCES,
  TOKEN_ISSUER,
  TOKEN_TYPES,
  type Jwks,
  type TokenStatus,
  type TokenStatusRequest,
} from '@cloudflow/contracts';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';

/** Only the algorithm auth signs with; `none`, HS* and RS* are refused before any key is tried. */
export const JWT_ALGORITHMS = ['EdDSA'];
/**
 * Refreshes forced by an unknown `kid` happen at most this often. A token signed with a key
 * just rotated in waits for the next one (at most this long) instead of being refused: refusing
 * it for a whole throttle window after any earlier unknown kid failed fresh tokens right after a
 * rotation (seen in CI). A flood of made-up kids still costs one RPC per window.
 */
const REFRESH_AT_MOST_EVERY_MS = 1_000;

export interface JwtVerifierOptions {
  /**
   * The key set is fetched again in the background when older than this, so a key auth deleted
   * (rotated out, or removed by hand) stops verifying here within about this long.
   */
  maxKeySetAgeMs?: number;
  /**
   * Asks auth whether a signature-valid token is still honoured (portal log-out, password
   * change); asked only for the audiences TokenStatusRequest names. Absent: not asked.
   */
  tokenStatus?: (request: TokenStatusRequest) => Promise<TokenStatus>;
  /** How long a "still active" answer is believed (a revocation bites within this everywhere). */
  statusCacheMs?: number;
  now?: () => number;
}

const STATUS_AUDIENCES = new Set<string>([TOKEN_AUDIENCES.admin, TOKEN_AUDIENCES.portal]);
const STATUS_CACHE_MAX = 10_000;

/**
 * Verifies auth's JWTs locally against its public keys (fetched once, refreshed when an
 * unknown `kid` appears and when the set grows old), so no request pays a NATS round trip to
 * auth for the signature; admin and portal tokens are then checked for revocation, cached.
 */
export class JwtVerifier {
  private keySet?: ReturnType<typeof createLocalJWKSet>;
  private keySetAt = 0;
  /** Only refreshes forced by an unknown kid are throttled (a flood of made-up kids is not a flood of RPCs). */
  private forcedAt = 0;
  private forcing?: Promise<void>;
  private fetching?: Promise<void>;
  private readonly active = new Map<string, number>();
  private readonly maxKeySetAgeMs: number;
  private readonly statusCacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly loadJwks: () => Promise<Jwks>,
    private readonly options: JwtVerifierOptions = {},
  ) {
    this.maxKeySetAgeMs = options.maxKeySetAgeMs ?? 60_000;
    this.statusCacheMs = options.statusCacheMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string, audience: string): Promise<JWTPayload & { sub: string }> {
    if (!token || token.length > 4096) throw invalid();
    let payload: JWTPayload & { sub: string };
    try {
      payload = await this.verifyOnce(token, audience);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw toUnauthorized(error);
      await this.forcedRefresh();
      payload = await this.verifyOnce(token, audience).catch((e: unknown) => {
        throw toUnauthorized(e);
      });
    }
    if (STATUS_AUDIENCES.has(audience))
      await this.checkStatus(payload, audience as TokenStatusRequest['audience']);
    return payload;
  }

  /** Forget a cached "active" (this instance just revoked the token itself). */
  forget(jti: string): void {
    this.active.delete(jti);
  }

  private async verifyOnce(token: string, audience: string): Promise<JWTPayload & { sub: string }> {
    // Several keys are published during a rotation: a token must name the one it was signed with.
    const header = safeHeader(token);
    if (typeof header?.kid !== 'string') throw invalid();
    if (!this.keySet) await this.refresh();
    else if (this.now() - this.keySetAt > this.maxKeySetAgeMs) void this.refresh().catch(() => undefined);
    const typ = (TOKEN_TYPES as Record<string, string | undefined>)[audience];
    const { payload } = await jwtVerify(token, this.keySet!, {
      algorithms: JWT_ALGORITHMS,
      issuer: TOKEN_ISSUER,
      audience,
      requiredClaims: ['exp', 'sub', 'iat', 'jti'],
      ...(typ ? { typ } : {}),
    });
    return payload as JWTPayload & { sub: string };
  }

  private async checkStatus(
    payload: JWTPayload & { sub: string },
    audience: TokenStatusRequest['audience'],
  ): Promise<void> {
    const check = this.options.tokenStatus;
    if (!check) return;
    const jti = payload.jti!;
    const until = this.active.get(jti);
    if (until !== undefined && until > this.now()) return;
    const generation = typeof payload.gen === 'number' ? payload.gen : undefined;
    const { active } = await check({
      audience,
      subject: payload.sub,
      jti,
      ...(generation !== undefined ? { generation } : {}),
    });
    if (!active) {
      this.active.delete(jti);
      throw new CloudFlowError(ErrorCode.unauthorized, 'Token has been revoked');
    }
    if (this.active.size >= STATUS_CACHE_MAX) this.active.clear();
    this.active.set(jti, this.now() + this.statusCacheMs);
  }

  /** One forced refresh at a time, at most one per REFRESH_AT_MOST_EVERY_MS; callers in between share it. */
  private forcedRefresh(): Promise<void> {
    this.forcing ??= (async () => {
      const wait = this.forcedAt + REFRESH_AT_MOST_EVERY_MS - this.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.forcedAt = this.now();
      await this.refresh();
    })().finally(() => (this.forcing = undefined));
    return this.forcing;
  }

  private refresh(): Promise<void> {
    this.fetching ??= this.loadJwks()
      .then((jwks) => {
        this.keySet = createLocalJWKSet(jwks as unknown as Parameters<typeof createLocalJWKSet>[0]);
        this.keySetAt = this.now();
      })
      .finally(() => (this.fetching = undefined));
    return this.fetching;
  }
}

function safeHeader(token: string): ReturnType<typeof decodeProtectedHeader> | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

function invalid(): CloudFlowError {
  return new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token');
}

function toUnauthorized(error: unknown): CloudFlowError {
  if (error instanceof CloudFlowError) return error;
  if (error instanceof joseErrors.JWTExpired)
    return new CloudFlowError(ErrorCode.unauthorized, 'Token has expired');
  return invalid();
}
