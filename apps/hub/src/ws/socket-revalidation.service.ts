import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  CLOSE_CODES,
  CREDENTIAL_CHECK_MAX,
  CloudFlowError,
  ErrorCode,
  SUBJECTS,
  type CredentialState,
} from '@cloudflow/contracts';
import { Broadcasts, LOGGER, RpcClient } from '@cloudflow/platform';
import type { Logger } from 'pino';
import type { Connection } from '../connections/connection';
import { ConnectionRegistry } from '../connections/connection.registry';
import { RelayLookup } from '../lookup/relay-lookup.cache';
import { UpgradeDevices } from '../lookup/upgrade-devices.client';
import { mintedBefore, RevocationFloors } from './revocation-floors';

/** After a reconnect, the check waits this long (the lookup caches are dropped first, NATS settles). */
const SETTLE_MS = 250;
/** A check that could not finish (auth or admin unreachable) is tried again this often, this many times. */
const RETRY_MS = 2000;
const ATTEMPTS = 5;

/**
 * The backstop for a missed broadcast (issue 12 item 1): while this hub was cut off from NATS,
 * an `accessRevoked` may have gone by unheard. When NATS is back, every open socket is checked
 * against auth (its credential still exists and was not rotated after its token was minted) and,
 * for devices, against admin (still registered and enabled); the ones that fail close with 4401,
 * as the broadcast would have closed them.
 */
@Injectable()
export class SocketRevalidation implements OnApplicationBootstrap {
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly rpc: RpcClient,
    private readonly lookup: RelayLookup,
    private readonly upgradeDevices: UpgradeDevices,
    private readonly floors: RevocationFloors,
    private readonly broadcasts: Broadcasts,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.broadcasts.onReconnect(() => void setTimeout(() => void this.revalidate(), SETTLE_MS).unref());
  }

  /** Checks every open socket; a call while one runs makes it run once more afterwards. */
  revalidate(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.withRetries();
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  private async withRetries(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const closed = await this.checkAll();
        if (closed)
          this.logger.info({ closed }, 'closed sockets whose credential was revoked while NATS was away');
        return;
      } catch (err) {
        if (attempt >= ATTEMPTS) {
          this.logger.warn({ err }, 'could not re-check the open sockets after a NATS reconnect');
          return;
        }
        await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      }
    }
  }

  /** One pass over the open sockets, account by account; returns how many were closed. */
  async checkAll(): Promise<number> {
    const byAccount = new Map<string, Connection[]>();
    for (const conn of this.registry.all()) {
      if (conn.closed) continue;
      const key = `${conn.identity.tenantId}\u0000${conn.identity.accountId}`;
      const list = byAccount.get(key);
      if (list) list.push(conn);
      else byAccount.set(key, [conn]);
    }
    let closed = 0;
    for (const conns of byAccount.values()) closed += await this.checkAccount(conns);
    return closed;
  }

  private async checkAccount(conns: Connection[]): Promise<number> {
    const { tenantId, accountId } = conns[0].identity;
    const gone = await this.lookup.account(tenantId, accountId).then(
      () => false,
      (e: unknown) => {
        if (e instanceof CloudFlowError && e.code === ErrorCode.notFound) return true;
        throw e;
      },
    );
    if (gone) return this.close(conns, 'account deleted');
    const clients = conns.filter((c) => c.identity.kind === 'client');
    const devices = conns.filter((c) => c.identity.kind === 'device');
    const refused: Array<{ conn: Connection; why: string }> = [];
    for (let i = 0; i < Math.max(devices.length, 1); i += CREDENTIAL_CHECK_MAX) {
      const chunk = devices.slice(i, i + CREDENTIAL_CHECK_MAX);
      const askAccount = i === 0 && clients.length > 0;
      if (!askAccount && !chunk.length) break;
      const check = await this.rpc.send(SUBJECTS.auth.credentialCheck, {
        tenantId,
        accountId,
        account: askAccount,
        referenceIds: chunk.map((c) => c.identity.referenceId!),
      });
      if (check.account)
        for (const c of clients) {
          const why = this.stale(c, check.account);
          if (why) refused.push({ conn: c, why });
        }
      check.devices.forEach((state, k) => {
        const why = this.stale(chunk[k], state);
        if (why) refused.push({ conn: chunk[k], why });
      });
    }
    // A device disabled or deleted in admin while NATS was away (admin's broadcast was missed too).
    for (const conn of devices) {
      if (refused.some((r) => r.conn === conn)) continue;
      const device = await this.upgradeDevices.get(tenantId, accountId, conn.identity.referenceId!).then(
        (d) => d,
        (e: unknown) => {
          if (e instanceof CloudFlowError && e.code === ErrorCode.notFound) return undefined;
          throw e;
        },
      );
      if (!device) refused.push({ conn, why: 'device deleted' });
      else if (!device.enabled) refused.push({ conn, why: 'device disabled' });
    }
    let n = 0;
    for (const { conn, why } of refused) n += this.close([conn], why);
    return n;
  }

  /**
   * Why the socket's credential no longer holds (gone, or rotated after the socket's token was
   * minted; the rotation also becomes a floor), or undefined when it does.
   */
  private stale(conn: Connection, state: CredentialState): string | undefined {
    if (!state.exists) return 'credential deleted';
    if (state.rotatedAt === undefined) return undefined;
    const { tenantId, accountId, kind, referenceId, issuedAtMs } = conn.identity;
    this.floors.record({
      tenantId,
      accountId,
      ...(kind === 'device' ? { referenceId, scope: 'device' as const } : { scope: 'account' as const }),
      at: state.rotatedAt,
    });
    return mintedBefore(issuedAtMs, state.rotatedAt) ? 'credential rotated' : undefined;
  }

  private close(conns: Connection[], why: string): number {
    let n = 0;
    for (const conn of conns) {
      if (conn.closed) continue;
      const { kind, tenantId, accountId, referenceId, issuedAtMs } = conn.identity;
      this.logger.warn(
        { kind, tenantId, accountId, referenceId, issuedAtMs, why },
        'closing a socket whose credential ended while NATS was away',
      );
      conn.close(CLOSE_CODES.unauthorized, 'Credential revoked');
      n++;
    }
    return n;
  }
}
