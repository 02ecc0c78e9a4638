import type { CloudFlowMessage } from './envelope';

/** The frame type of the hub's acknowledgement; not a MESSAGE_TYPE, so any socket sending one gets invalidData. */
export const ACK_TYPE = 'ack';

/**
 * Hub → device only: "your final answer (`originatingRequestId`) is durably stored; forget it".
 * Sent after JetStream's PubAck for the answer's request event, never to POS sockets. A device
 * keeps every unacknowledged final and sends it again after reconnecting (to any hub); the
 * copy carries the same requestId, so the cluster drops it as a duplicate (README, "The
 * websocket protocol").
 */
export interface AckFrame extends Omit<CloudFlowMessage, 'type'> {
  type: typeof ACK_TYPE;
  originatingRequestId: string;
}

/** `requestId` is the ack's own new id (the caller makes it: contracts stays free of node APIs). */
export function ackFrame(requestId: string, originatingRequestId: string, target: string): AckFrame {
  return {
    type: ACK_TYPE,
    format: 'cloudflow',
    version: '1.0',
    requestId,
    originatingRequestId,
    source: 'cloudflow-hub',
    target,
    payload: {},
  };
}
