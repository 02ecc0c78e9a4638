import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  CLOSE_CODES,
  CloudFlowError,
  ERROR_HTTP_STATUS,
  ErrorCode,
  MAX_FRAME_BYTES,
} from '@cloudflow/contracts';
import { LOGGER, ReadinessService } from '@cloudflow/platform';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { Connection, type ConnectionIdentity } from '../connections/connection';
import { ConnectionRegistry } from '../connections/connection.registry';
import { HubIdentity } from '../connections/hub-identity';
import type { SlotLease } from '../connections/slot-reservations.service';
import { HubConfig } from '../hub.config';
import { ConnectionLifecycle } from './connection-lifecycle.service';
import { UpgradeAuth } from './upgrade-auth.service';

/** The hub's websocket endpoint at /ws on its HTTP port; upgrade refusals are plain HTTP errors. */
@Injectable()
export class WsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private wss?: WebSocketServer;
  private pingTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: UpgradeAuth,
    private readonly lifecycle: ConnectionLifecycle,
    private readonly registry: ConnectionRegistry,
    private readonly hub: HubIdentity,
    private readonly config: HubConfig,
    private readonly readiness: ReadinessService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // A draining hub is not ready: load balancers stop sending it new sockets.
    this.readiness.register('accepting', () => !this.stopping);
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
    server.on(
      'upgrade',
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head),
    );
    this.pingTimer = setInterval(() => this.pingAll(), this.config.PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://hub');
    if (url.pathname !== '/ws')
      return refuse(socket, new CloudFlowError(ErrorCode.notFound, 'Websocket endpoint is /ws'));
    if (this.stopping)
      return refuse(
        socket,
        new CloudFlowError(ErrorCode.connectionLost, 'Hub is shutting down; connect again'),
        503,
      );
    let identity: ConnectionIdentity;
    let lease: SlotLease;
    try {
      identity = await this.auth.authenticate(req, url);
      lease = await this.auth.admit(identity);
    } catch (error) {
      const e =
        error instanceof CloudFlowError
          ? error
          : new CloudFlowError(ErrorCode.failed, 'Connection could not be admitted; please retry');
      if (!(error instanceof CloudFlowError)) this.logger.warn({ err: error }, 'upgrade failed');
      return refuse(socket, e);
    }
    if (this.stopping || socket.destroyed) {
      lease.release();
      return refuse(
        socket,
        new CloudFlowError(ErrorCode.connectionLost, 'Hub is shutting down; connect again'),
        503,
      );
    }
    // ws completes the upgrade synchronously (no verifyClient) or drops a dead socket without
    // calling back: the slot is taken by the socket or given back here, never left reserved.
    this.wss!.handleUpgrade(req, socket, head, (ws: WebSocket) =>
      this.lifecycle.open(new Connection(identity, ws, this.hub.newConnectionId()), lease.take()),
    );
    lease.release();
  }

  private pingAll(): void {
    for (const conn of this.registry.all()) {
      if (!conn.alive) {
        conn.closeReason ??= 'livenessLost';
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      try {
        conn.ws.ping();
      } catch {
        conn.ws.terminate();
      }
    }
  }

  /**
   * SIGTERM (issue 9, hole 10): at once, no new socket, delivery or transaction starts here
   * (deliveries are answered "no responders", so requesters look for the device again) and every
   * idle socket is closed with 1012 so it reconnects to another hub. A socket with a transaction
   * in flight keeps it until its final answer (then it goes too), bounded by DRAIN_TIMEOUT_MS;
   * whatever is left then is closed with 1012.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.registry.draining = true;
    clearInterval(this.pingTimer);
    const deadline = Date.now() + this.config.DRAIN_TIMEOUT_MS;
    const idle = (c: Connection) => c.deviceInflight.size === 0 && c.clientInflight.size === 0;
    this.logger.info(
      { sockets: this.registry.size, drainTimeoutMs: this.config.DRAIN_TIMEOUT_MS },
      'draining',
    );
    for (;;) {
      let busy = 0;
      for (const conn of [...this.registry.all()]) {
        if (conn.closed) continue;
        if (idle(conn)) {
          conn.closeReason ??= 'hubGone';
          conn.close(CLOSE_CODES.restart, 'Hub restarting; reconnect');
        } else busy++;
      }
      if (busy === 0 || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.lifecycle.closeAll();
    this.wss?.close();
  }
}

function refuse(socket: Duplex, error: CloudFlowError, status = ERROR_HTTP_STATUS[error.code]): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(error.toBody());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
