import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  EVENTS,
  SUBJECTS,
  type AccessRevokedEvent,
  type VerifiedAccount,
  type VerifiedDevice,
  type VerifyAccountRequest,
  type VerifyDeviceRequest,
} from '@cloudflow/contracts';
import { Broadcasts, RpcClient, TtlCache } from '@cloudflow/platform';
import { createHash } from 'node:crypto';
import { GatewayConfig } from '../gateway.config';
import { invalidBearer } from './bearer.parser';

const MAX_ENTRIES = 50_000;

// What auth may answer for a credential that does not verify; all of it is the caller's 401.
const REJECTIONS = new Set<ErrorCode>([ErrorCode.unauthorized, ErrorCode.notFound, ErrorCode.invalidData]);

type Verified = VerifiedAccount & { referenceId?: string };

/**
 * Verified Client/Device API credentials, held briefly so the hot path costs no round trip to
 * auth (ARCHITECTURE.md). Keyed by a SHA-256 of the bearer, so no clear token sits in memory.
 * An access-revoked broadcast drops the account's (or the device's) entries at once, a NATS
 * reconnect drops everything (a broadcast may have been missed), and a revocation that lands
 * while a verification is in flight keeps that answer out of the cache.
 */
abstract class CredentialCache<Req, Res extends Verified> {
  private readonly entries: TtlCache<string, Res>;
  private readonly inflight = new Map<string, Promise<Res>>();
  private generation = 0;

  protected constructor(broadcasts: Broadcasts, ttlMs: number) {
    this.entries = new TtlCache({ ttlMs, maxEntries: MAX_ENTRIES });
    broadcasts.on(EVENTS.accessRevoked, (event) => this.revoke(event));
    broadcasts.onReconnect(() => this.clear());
  }

  protected abstract ask(credential: Req): Promise<Res>;

  verify(token: string, credential: Req): Promise<Res> {
    return this.verifyToken(token, () => credential);
  }

  /**
   * `verify`, decoding the credential only on a miss: a hit means this very token was decoded,
   * validated and verified within the TTL. `decode` may throw (an unusable bearer).
   */
  async verifyToken(token: string, decode: () => Req): Promise<Res> {
    const digest = createHash('sha256').update(token).digest('base64url');
    const hit = this.entries.get(digest);
    if (hit) return hit;
    let pending = this.inflight.get(digest);
    if (!pending) {
      const credential = decode();
      const generation = this.generation;
      pending = this.ask(credential)
        .then((value) => {
          if (generation === this.generation) this.entries.set(digest, value);
          return value;
        }, rejectAsBearer)
        .finally(() => this.inflight.delete(digest));
      this.inflight.set(digest, pending);
    }
    return pending;
  }

  get size(): number {
    return this.entries.size;
  }

  private revoke(event: AccessRevokedEvent): void {
    this.generation++;
    for (const [digest, value] of [...this.entries.values()]) {
      if (value.tenantId !== event.tenantId || value.accountId !== event.accountId) continue;
      // An event naming one device spares the account's other devices; anything else takes all.
      if (
        event.referenceId !== undefined &&
        value.referenceId !== undefined &&
        value.referenceId !== event.referenceId
      )
        continue;
      this.entries.delete(digest);
    }
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

function rejectAsBearer(error: unknown): never {
  if (error instanceof CloudFlowError && REJECTIONS.has(error.code)) throw invalidBearer();
  throw error;
}

/** Client API: `{accountId, apiToken}` → the account and its tenant. */
@Injectable()
export class ClientCredentialCache extends CredentialCache<VerifyAccountRequest, VerifiedAccount> {
  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    config: GatewayConfig,
  ) {
    super(broadcasts, config.CREDENTIAL_CACHE_TTL_MS);
  }

  protected ask(credential: VerifyAccountRequest): Promise<VerifiedAccount> {
    const { accountId, apiToken } = credential;
    return this.rpc.send(SUBJECTS.auth.accountVerify, { accountId, apiToken });
  }
}

/** Device API: `{model, serialNumber, apiToken}` → the device, its account and tenant. */
@Injectable()
export class DeviceCredentialCache extends CredentialCache<VerifyDeviceRequest, VerifiedDevice> {
  constructor(
    private readonly rpc: RpcClient,
    broadcasts: Broadcasts,
    config: GatewayConfig,
  ) {
    super(broadcasts, config.CREDENTIAL_CACHE_TTL_MS);
  }

  protected ask(credential: VerifyDeviceRequest): Promise<VerifiedDevice> {
    const { model, serialNumber, apiToken } = credential;
    return this.rpc.send(SUBJECTS.auth.deviceVerify, { model, serialNumber, apiToken });
  }
}
