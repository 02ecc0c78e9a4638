import { WEBSOCKET_TOKEN_TTL_SECONDS, type AccessRevokedEvent } from '@cloudflow/contracts';
import type { ConnectionIdentity } from '../connections/connection';

/**
 * A floor outlives the last token it can refuse by this much: tokens live
 * WEBSOCKET_TOKEN_TTL_SECONDS after `iat`, and the hub's clock may run behind auth's.
 */
const FLOOR_MARGIN_MS = 60_000;
/** Revocations are broadcast by tenants' own actions: the map is bounded, oldest dropped first. */
const MAX_FLOORS = 100_000;

/**
 * The time of each credential's latest revocation this hub was told of (issue 12 item 1): a
 * websocket token minted before it (its `ims` claim, on auth's clock like the revocation's `at`)
 * no longer opens a socket here, although its signature is valid for 5 minutes. Floors are kept
 * until no token from before them can still be valid.
 */
export class RevocationFloors {
  private readonly floors = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Notes a revocation that carries its time; one without (a device disabled) needs no floor: admit reads the device. */
  record(event: AccessRevokedEvent): void {
    if (event.at === undefined) return;
    const key = floorKey(
      event.tenantId,
      event.accountId,
      event.scope === 'device' ? event.referenceId : undefined,
    );
    const floor = Math.max(event.at, this.floors.get(key) ?? 0);
    this.floors.delete(key);
    this.floors.set(key, floor);
    while (this.floors.size > MAX_FLOORS) this.floors.delete(this.floors.keys().next().value!);
    this.prune();
  }

  /**
   * Whether the credential this identity's token was minted from was revoked after the token was
   * minted. A client socket rests on the account's token, a device socket on the device's.
   * `issuedAtMs` comes from `ims`, else from `iat`; a token with neither counts as oldest.
   */
  refuses(identity: ConnectionIdentity): boolean {
    const { tenantId, accountId, kind, referenceId, issuedAtMs } = identity;
    const key = floorKey(tenantId, accountId, kind === 'device' ? referenceId : undefined);
    const floor = this.floors.get(key);
    if (floor === undefined) return false;
    if (this.now() - floor > WEBSOCKET_TOKEN_TTL_SECONDS * 1000 + FLOOR_MARGIN_MS) {
      this.floors.delete(key);
      return false;
    }
    return mintedBefore(issuedAtMs, floor);
  }

  get size(): number {
    return this.floors.size;
  }

  /** Drops floors no live token can be older than (insertion order is oldest first). */
  private prune(): void {
    const horizon = this.now() - WEBSOCKET_TOKEN_TTL_SECONDS * 1000 - FLOOR_MARGIN_MS;
    for (const [key, floor] of this.floors) {
      if (floor >= horizon) break;
      this.floors.delete(key);
    }
  }
}

/** Whether an open socket rests on the credential a revocation names, and was opened with a token minted before it. */
export function revokes(event: AccessRevokedEvent, identity: ConnectionIdentity): boolean {
  if (identity.tenantId !== event.tenantId || identity.accountId !== event.accountId) return false;
  const named =
    event.scope === 'account'
      ? identity.kind === 'client' || event.deleted === true
      : identity.kind === 'device' && identity.referenceId === event.referenceId;
  if (!named) return false;
  // A rotation ends the sockets of tokens minted before it; one minted from the new credential
  // (opened in the moment before this broadcast arrived) stays. Deletions and disables end all.
  if (event.at === undefined || event.deleted === true) return true;
  return mintedBefore(identity.issuedAtMs, event.at);
}

/** A token minted before `at` (ms, auth's clock); one that states no issue time counts as oldest. */
export function mintedBefore(issuedAtMs: number | undefined, at: number): boolean {
  return issuedAtMs === undefined || issuedAtMs < at;
}

function floorKey(tenantId: string, accountId: string, referenceId?: string): string {
  return referenceId === undefined
    ? `${tenantId}\u0000${accountId}`
    : `${tenantId}\u0000${accountId}\u0000${referenceId}`;
}
