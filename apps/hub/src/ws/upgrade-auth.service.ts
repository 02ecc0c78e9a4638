import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, TOKEN_AUDIENCES } from '@cloudflow/contracts';
import { JwtVerifier } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { IncomingMessage } from 'node:http';
import type { ConnectionIdentity } from '../connections/connection';
import { SlotReservations, type SlotLease } from '../connections/slot-reservations.service';
import { HubConfig } from '../hub.config';
import { RelayLookup } from '../lookup/relay-lookup.cache';
import { UpgradeDevices } from '../lookup/upgrade-devices.client';
import { RevocationFloors } from './revocation-floors';

/**
 * Everything decided before a socket exists (Novu's rule: authenticate in the handshake):
 * the short-lived JWT, the account still existing, the device enabled, and the account's
 * cluster-wide connection limit (a slot reserved atomically: SlotReservations).
 */
@Injectable()
export class UpgradeAuth {
  constructor(
    private readonly jwt: JwtVerifier,
    private readonly lookup: RelayLookup,
    private readonly upgradeDevices: UpgradeDevices,
    private readonly presence: PresenceStore,
    private readonly slots: SlotReservations,
    private readonly config: HubConfig,
    private readonly floors: RevocationFloors,
  ) {}

  async authenticate(req: IncomingMessage, url: URL): Promise<ConnectionIdentity> {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ')
      ? header.slice(7).trim()
      : url.searchParams.get('access_token');
    if (!token)
      throw new CloudFlowError(
        ErrorCode.unauthorized,
        'Missing access token (Authorization: Bearer or access_token)',
      );
    const claims = await this.jwt.verify(token, TOKEN_AUDIENCES.websocket);
    const { kind, tid, acc, sub, akid, ims, iat } = claims as Record<string, unknown>;
    if (
      (kind !== 'client' && kind !== 'device') ||
      typeof tid !== 'string' ||
      typeof acc !== 'string' ||
      typeof sub !== 'string'
    ) {
      throw new CloudFlowError(ErrorCode.unauthorized, 'Invalid or expired token');
    }
    return {
      kind,
      tenantId: tid,
      accountId: acc,
      referenceId: kind === 'device' ? sub : undefined,
      ...(kind === 'client' && typeof akid === 'string' ? { appKeyId: akid } : {}),
      ...issuedAt(ims, iat),
    };
  }

  /** Admits the upgrade and reserves its connection slot, which the caller must take or release. */
  async admit(identity: ConnectionIdentity): Promise<SlotLease> {
    const { tenantId, accountId, referenceId } = identity;
    const account = await this.lookup.account(tenantId, accountId).catch((e: unknown) => {
      throw e instanceof CloudFlowError && e.code === ErrorCode.notFound
        ? new CloudFlowError(ErrorCode.unauthorized, 'Account no longer exists')
        : e;
    });
    if (referenceId) {
      // Read afresh, never cached: a connect storm of thousands of devices would otherwise fill the
      // routing cache with records no frame of this hub ever asks for again. A burst of upgrades
      // of one account shares one read (UpgradeDevices).
      const device = await this.upgradeDevices.get(tenantId, accountId, referenceId).catch((e: unknown) => {
        throw e instanceof CloudFlowError && e.code === ErrorCode.notFound
          ? new CloudFlowError(ErrorCode.unauthorized, 'Device no longer exists')
          : e;
      });
      if (!device.enabled) throw new CloudFlowError(ErrorCode.forbidden, 'Device is disabled');
    }
    const limit = account.connectionLimit || this.config.DEFAULT_CONNECTION_LIMIT;
    this.refuseRevoked(identity); // before taking a slot, and again after (the await may let a revocation in)
    const lease =
      (await this.slots.reserve(tenantId, accountId, limit)) ?? (await this.replacing(identity, limit));
    try {
      this.refuseRevoked(identity);
    } catch (error) {
      lease.release();
      throw error;
    }
    return lease;
  }

  /**
   * At the limit, a device replacing its own socket still gets in without a slot: the old socket
   * is fenced off as the new one claims the device. Asked only at the limit, so a connect below
   * it costs no presence read.
   */
  private async replacing(identity: ConnectionIdentity, limit: number): Promise<SlotLease> {
    const { tenantId, accountId, referenceId } = identity;
    if (
      referenceId &&
      (await this.presence.deviceOwner(tenantId, accountId, referenceId).catch(() => undefined))
    )
      return this.slots.unreserved();
    throw new CloudFlowError(
      ErrorCode.tooManyConnections,
      `Connection limit of ${limit} reached for this account`,
    );
  }

  /**
   * A token minted before its credential was rotated or deleted opens nothing (issue 12 item 1).
   * Checked last, after every await, so a revocation that arrived meanwhile counts too; nothing
   * awaits between this and the socket joining the registry, where a later broadcast finds it.
   */
  private refuseRevoked(identity: ConnectionIdentity): void {
    if (this.floors.refuses(identity))
      throw new CloudFlowError(ErrorCode.unauthorized, 'Credential revoked; get a new token');
  }
}

/** The token's ms issue time (`ims`), else its `iat` in ms; absent when neither is a number. */
function issuedAt(ims: unknown, iat: unknown): { issuedAtMs?: number } {
  if (typeof ims === 'number' && Number.isFinite(ims)) return { issuedAtMs: ims };
  if (typeof iat === 'number' && Number.isFinite(iat)) return { issuedAtMs: iat * 1000 };
  return {};
}
