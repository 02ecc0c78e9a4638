import { EventEmitter } from 'node:events';

/** What a hosted terminal hears from its socket. */
export interface VirtualSocketPeer {
  /** A frame the hub wrote (JSON text, as on a real socket). */
  onData(data: string): void;
  /** The hub closed the socket (or the terminal dropped it). */
  onClose(code: number, reason: string): void;
}

/**
 * The hub side of an in-process "socket" between the hub and a terminal it hosts (issue 13): the
 * subset of `ws.WebSocket` the hub's connection code uses (send with a callback, close,
 * terminate, ping → pong, 'message' / 'close' events), so a hosted terminal's connection goes
 * through the same lifecycle as a real one: presence claim, fencing, frame parsing, acks,
 * revocation, drain. Frames cross as JSON text on later ticks, never synchronously.
 */
export class VirtualSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly bufferedAmount = 0;

  constructor(private readonly peer: VirtualSocketPeer) {
    super();
  }

  /** Hub → terminal. */
  send(data: string, cb?: (err?: Error) => void): void {
    if (this.readyState !== this.OPEN) return cb?.(new Error('socket closed'));
    setImmediate(() => this.peer.onData(data));
    cb?.();
  }

  /** Terminal → hub: false when the socket is closed (the frame went nowhere). */
  deliver(frame: object): boolean {
    if (this.readyState !== this.OPEN) return false;
    const data = Buffer.from(JSON.stringify(frame));
    setImmediate(() => this.emit('message', data, false));
    return true;
  }

  ping(): void {
    if (this.readyState === this.OPEN) setImmediate(() => this.emit('pong'));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState !== this.OPEN) return;
    this.readyState = 3;
    setImmediate(() => {
      this.emit('close', code, Buffer.from(reason));
      this.peer.onClose(code, reason);
    });
  }

  terminate(): void {
    this.close(1006, '');
  }
}
