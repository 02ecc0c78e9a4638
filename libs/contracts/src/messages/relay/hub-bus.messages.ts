import { ErrorCode } from '../../errors/error-code';
import type { CloudFlowMessage } from '../../websocket/envelope';
import type { RequestMode } from '../request-mode';

/**
 * Messages on a connection's own subject (`connectionSubject(connId)`). Hubs send them to each
 * other; gateways send `deliver` (async requests) and `ping` (liveness of a device connection).
 */
export type BusMessage =
  | {
      kind: 'deliver';
      frame: CloudFlowMessage;
      /** The requesting client socket (sync); absent for async requests, whose replies go to the request stream only. */
      replyConnId?: string;
      requester: string;
      /**
       * `async`: recorded by the gateway, so the device's hub publishes the replies to
       * REQUEST_EVENTS only. Absent means `sync` (older senders never set it for websocket requests).
       */
      mode?: RequestMode;
      /**
       * The previous release's name for `mode: 'async'`. Senders still set it beside `mode`, for
       * hubs of that release during a rolling upgrade, and receivers still read it from gateways of
       * that release; drop it once no replica of that release runs.
       */
      record?: 'async';
      /**
       * Wall-clock time (Unix ms) after which the device's hub must not write the frame any more.
       * The requester answers "outcome unknown" only after it, so that answer means "delivered
       * before the deadline, or never" (ARCHITECTURE.md invariants).
       */
      deadline: number;
      /** The device's ownership epoch the requester read from presence: a hub never writes for another one. */
      epoch: number;
      /**
       * The same delivery again, to the same connection, because the answer to the first was lost
       * (a connection moving between NATS nodes). The device's hub writes it only if that requestId
       * was never on the connection; otherwise it answers ok + `repeated` without writing.
       */
      resend?: boolean;
    }
  | {
      kind: 'forward';
      frame: CloudFlowMessage;
      /** As on `deliver`: the device's hub does not write the frame after this (Unix ms). Optional for older senders. */
      deadline?: number;
    }
  | { kind: 'reply'; frame: CloudFlowMessage }
  | { kind: 'replaced'; epoch: number }
  | { kind: 'ping'; requestId?: string };

export type BusAck =
  | { ok: true; inflight?: boolean; repeated?: boolean }
  | { ok: false; errorCode: ErrorCode; errorMessage: string; noResponders?: boolean; timedOut?: boolean };

/**
 * What a sender concludes when the holder of a connection gave no answer of its own, hub and
 * gateway alike (each is connectionLost): `gone` nobody holds it (no responders, nothing was
 * received), `timedOut` no answer in time, `unreadable` an answer that could not be read (for
 * both, whether the other side acted is unknown).
 */
export function lostAck(why: 'gone' | 'timedOut' | 'unreadable'): BusAck & { ok: false } {
  const errorCode = ErrorCode.connectionLost;
  switch (why) {
    case 'gone':
      return { ok: false, errorCode, errorMessage: 'The connection is gone', noResponders: true };
    case 'timedOut':
      return { ok: false, errorCode, errorMessage: 'The connection did not answer in time', timedOut: true };
    case 'unreadable':
      return { ok: false, errorCode, errorMessage: 'The connection answered unreadably', timedOut: true };
  }
}
