import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  CLOSE_CODES,
  CloudFlowError,
  EVENTS,
  lostAck,
  WEBSOCKET_TOKEN_TTL_SECONDS,
  type AccessRevokedEvent,
  type BusAck,
  type BusMessage,
  type DisconnectReason,
  type PresenceChange,
} from '@cloudflow/contracts';
import { Broadcasts, LOGGER, ReadinessService, RevocationStream } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import type { RawData } from 'ws';
import { HubBus } from '../bus/hub-bus.client';
import { nextTurn } from '../bus/next-turn';
import type { Connection } from '../connections/connection';
import { ConnectionRegistry } from '../connections/connection.registry';
import { HubIdentity } from '../connections/hub-identity';
import { HubConfig } from '../hub.config';
import { PresenceChangesPublisher } from '../presence/presence-changes.publisher';
import { ClientFrames } from '../routing/client-frames.service';
import { DeviceFrames } from '../routing/device-frames.service';
import { EventSubscriptions } from '../routing/event-subscriptions.registry';
import { parseFrame, requestIdOf } from '../routing/frame.parser';
import { FrameQueue } from './frame-queue';
import { RevocationFloors, revokes } from './revocation-floors';

/** How far back a starting hub reads revocations: a websocket token's lifetime and a margin. */
const REVOCATION_LOOKBACK_MS = (WEBSOCKET_TOKEN_TTL_SECONDS + 60) * 1000;

/**
 * A socket's life on this hub: route its bus messages, claim the device (fencing older sockets),
 * dispatch frames in order, and on close tell waiting requesters and release the device.
 */
@Injectable()
export class ConnectionLifecycle implements OnApplicationBootstrap {
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly bus: HubBus,
    private readonly presence: PresenceStore,
    private readonly clients: ClientFrames,
    private readonly devices: DeviceFrames,
    private readonly hub: HubIdentity,
    private readonly broadcasts: Broadcasts,
    private readonly config: HubConfig,
    private readonly floors: RevocationFloors,
    private readonly revocations: RevocationStream,
    private readonly readiness: ReadinessService,
    private readonly presenceChanges: PresenceChangesPublisher,
    private readonly subscriptions: EventSubscriptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.broadcasts.on(EVENTS.accessRevoked, (event) => this.revoke(event));
    // The same revocations again from the stream that keeps them: the ones the plain subscription
    // lost reach the hub too. From a token's lifetime back, so a restarted hub knows the floors.
    this.revocations.follow(Date.now() - REVOCATION_LOOKBACK_MS, (event, storedAtMs) =>
      this.revoke(event, storedAtMs),
    );
    this.readiness.register('revocations', () => this.revocations.caughtUp);
    void this.listen().catch((err: unknown) =>
      this.logger.warn({ err }, 'bus subscription failed; retried with the next socket'),
    );
    const beat = () =>
      void this.presence
        .heartbeat(this.hub.id)
        .catch((err: unknown) => this.logger.warn({ err }, 'hub heartbeat failed'));
    beat();
    this.heartbeat = setInterval(beat, 5000);
    this.heartbeat.unref();
    this.broadcasts.onReconnect(() => {
      beat();
      void this.reassert();
    });
  }

  /**
   * NATS is back (perhaps a restarted server that lost the in-memory presence buckets): every
   * device socket still open here claims its device again, unless a newer socket took it over
   * meanwhile, in which case this one is fenced off as on any replacement.
   */
  private async reassert(): Promise<void> {
    this.registry.republish();
    for (const conn of [...this.registry.all()]) {
      const { kind, tenantId, accountId, referenceId } = conn.identity;
      if (kind !== 'device' || conn.closed) continue;
      try {
        const outcome = await this.presence.reassertDevice(
          tenantId,
          accountId,
          referenceId!,
          this.hub.id,
          conn.id,
          conn.epoch,
        );
        if (outcome === 'superseded') conn.close(CLOSE_CODES.replaced, 'Replaced by a newer connection');
      } catch (err) {
        this.logger.warn(
          { err },
          'could not re-assert a device after NATS came back; asking it to reconnect',
        );
        conn.close(CLOSE_CODES.restart, 'Try again');
      }
    }
  }

  /** `reserved`: the socket takes a slot its upgrade reserved (SlotReservations). */
  open(conn: Connection, reserved = false): void {
    const { ws, identity } = conn;
    this.registry.add(conn, reserved);
    // Listeners first (frames may arrive at once); handling waits until the connection is set up.
    conn.maxBufferedBytes = this.config.MAX_OUTBOUND_BUFFER_BYTES;
    const frames = new FrameQueue(this.setUp(conn), this.config.MAX_INBOUND_QUEUE, (err: unknown) =>
      this.logger.warn({ err }, 'frame handling failed'),
    );
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (conn.closed || frames.push(() => this.onFrame(conn, data, isBinary))) return;
      this.logger.warn(
        { kind: identity.kind, accountId: identity.accountId, waiting: frames.size },
        'too many frames waiting; closing the socket',
      );
      conn.close(
        CLOSE_CODES.policy,
        `Too many frames waiting (more than ${this.config.MAX_INBOUND_QUEUE}); slow down`,
      );
    });
    ws.on('pong', () => (conn.alive = true));
    ws.on('error', () => undefined);
    ws.on('close', () => void this.onClose(conn));
    this.logger.debug(
      { kind: identity.kind, accountId: identity.accountId, referenceId: identity.referenceId },
      'socket opened',
    );
  }

  private async setUp(conn: Connection): Promise<void> {
    try {
      await this.listen();
      if (conn.identity.kind === 'device') {
        const { tenantId, accountId, referenceId } = conn.identity;
        await nextTurn();
        const { epoch, replaced } = await this.presence.claimDevice(
          tenantId,
          accountId,
          referenceId!,
          this.hub.id,
          conn.id,
        );
        conn.epoch = epoch;
        this.announce(conn, 'connected');
        if (replaced && replaced.connId !== conn.id)
          await this.bus.publish(replaced.connId, { kind: 'replaced', epoch });
      }
    } catch (err) {
      this.logger.warn({ err }, 'socket set-up failed; asking the peer to reconnect');
      conn.close(CLOSE_CODES.restart, 'Try again');
    }
  }

  private listen(): Promise<void> {
    return this.bus.listen(this.hub.connPrefix, (connId, msg) => this.route(connId, msg));
  }

  /** A bus message for one of this hub's connection ids; one it no longer holds is "no responders". */
  private route(connId: string, msg: BusMessage): Promise<BusAck | void> {
    const conn = this.registry.get(connId);
    if (!conn || conn.closed) return Promise.resolve(lostAck('gone'));
    return conn.identity.kind === 'device' ? this.devices.onBus(conn, msg) : this.clients.onBus(conn, msg);
  }

  private async onFrame(conn: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (conn.closed) return;
    const frame = parseFrame(data, isBinary);
    if (frame instanceof CloudFlowError)
      return conn.sendException(frame.code, frame.message, requestIdOf(data));
    if (conn.identity.kind === 'device') await this.devices.handle(conn, frame);
    // Addressed to the hub itself (HUB_TYPES): the account's events pushed to this POS socket.
    else if (frame.type === 'subscribe') await this.subscriptions.subscribe(conn, frame);
    else await this.clients.handle(conn, frame);
  }

  private async onClose(conn: Connection): Promise<void> {
    conn.closed = true;
    conn.clearTimers();
    if (!this.registry.remove(conn)) return;
    if (conn.identity.kind !== 'device') return this.subscriptions.unsubscribe(conn);
    this.devices.failInflight(conn);
    // Only a socket that claimed its device was announced as connected.
    if (conn.epoch > 0) this.announce(conn, 'disconnected', conn.closeReason ?? 'closed');
    const { tenantId, accountId, referenceId } = conn.identity;
    await nextTurn();
    await this.presence
      .releaseDevice(tenantId, accountId, referenceId!, conn.id)
      .catch((err: unknown) => this.logger.warn({ err }, 'device release failed'));
  }

  /** A device socket opened or closed: to the presence stream, for the account's events (issue 14). */
  private announce(conn: Connection, change: PresenceChange['change'], reason?: DisconnectReason): void {
    const { tenantId, accountId, referenceId } = conn.identity;
    this.presenceChanges.publish({
      change,
      tenantId,
      accountId,
      referenceId: referenceId!,
      epoch: conn.epoch,
      hubId: this.hub.id,
      at: new Date().toISOString(),
      ...(reason ? { reason } : {}),
    });
  }

  /**
   * `storedAtMs`: the event came from the stream, perhaps long after it was sent (a replay after
   * a reconnect, or at start): only sockets opened before NATS stored it are judged by it, so a
   * device deleted and made again, or disabled and enabled again, keeps its newer socket.
   */
  private revoke(event: AccessRevokedEvent, storedAtMs?: number): void {
    this.floors.record(event);
    for (const conn of this.registry.all())
      if (revokes(event, conn.identity) && (storedAtMs === undefined || conn.openedAt < storedAtMs))
        conn.close(CLOSE_CODES.unauthorized, 'Credential revoked');
  }

  /** Shutdown: every socket is told to reconnect elsewhere; the cluster forgets this hub. */
  async closeAll(): Promise<void> {
    clearInterval(this.heartbeat);
    const conns = [...this.registry.all()];
    for (const conn of conns) {
      conn.closeReason ??= 'hubGone';
      conn.close(CLOSE_CODES.restart, 'Hub restarting; reconnect');
    }
    await Promise.all(conns.map((conn) => this.onClose(conn)));
    await this.registry.flush();
    // The closings reach the stream before the connection drains (or the gateways' sweep reports them).
    await this.presenceChanges.flush(3000);
    await this.presence.hubGone(this.hub.id).catch(() => undefined);
  }
}
