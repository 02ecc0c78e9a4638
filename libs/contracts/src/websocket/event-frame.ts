import type { PresenceEventBody } from '../messages/relay/presence-events';
import type { CloudFlowMessage } from './envelope';

/** The frame type of an account event pushed to a POS socket; not a MESSAGE_TYPE, so a socket sending one gets invalidData. */
export const EVENT_FRAME_TYPE = 'event';

/**
 * Hub → client only (issue 14): one of the account's events, pushed to a POS socket that asked
 * for its kind with a `subscribe` frame. `requestId` is the event's id, the same as its webhook
 * delivery's and its entry in the events feed; `payload` is exactly the webhook's body.
 */
export interface EventFrame extends Omit<CloudFlowMessage, 'type' | 'payload'> {
  type: typeof EVENT_FRAME_TYPE;
  payload: PresenceEventBody;
}

export function eventFrame(id: string, accountId: string, body: PresenceEventBody): EventFrame {
  return {
    type: EVENT_FRAME_TYPE,
    format: 'cloudflow',
    version: '1.0',
    requestId: id,
    originatingRequestId: null,
    source: 'cloudflow-hub',
    target: accountId,
    payload: body,
  };
}
