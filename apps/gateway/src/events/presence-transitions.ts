import type { PresenceChange, PresenceEventBody } from '@cloudflow/contracts';

/** What the gateways last announced of one device (a device_presence row). */
export interface DeviceAnnounced {
  epoch: number;
  connected: boolean;
  hubId: string;
  /** Presence events the device has had: the outbox seq of the next is this + 1. */
  events: number;
}

export interface PresenceEvent {
  /** Its place in the device's order (the outbox seq under the device's key). */
  seq: number;
  body: PresenceEventBody;
}

/**
 * One change seen against what was announced: the events it makes (none when it is old news) and
 * the device's new state. Changes are ordered by (epoch, opened before closed), whatever order
 * they arrive in, so a change that comes twice, late, or from two gateways at once is news only
 * once. Every transition the device went through is announced, in order: a newer socket's
 * opening first closes the older one (`replaced`: its own close, when it comes, is then old), and
 * a close of a socket whose opening was not seen (it is still on its way) announces both.
 */
export function applyChange(
  current: DeviceAnnounced | undefined,
  change: PresenceChange,
): { next: DeviceAnnounced; events: PresenceEvent[] } | undefined {
  if (current && rank(change.epoch, change.change === 'connected') <= rank(current.epoch, current.connected))
    return undefined;
  const { referenceId, at } = change;
  let events = current?.events ?? 0;
  const out: PresenceEvent[] = [];
  const emit = (body: PresenceEventBody) => out.push({ seq: ++events, body });
  const sameSocketOpen = current?.connected && current.epoch === change.epoch;
  if (current?.connected && current.epoch < change.epoch)
    emit({ type: 'deviceDisconnected', referenceId, at, reason: 'replaced' });
  if (change.change === 'connected' || !sameSocketOpen) emit({ type: 'deviceConnected', referenceId, at });
  if (change.change === 'disconnected')
    emit({ type: 'deviceDisconnected', referenceId, at, reason: change.reason ?? 'closed' });
  return {
    next: { epoch: change.epoch, connected: change.change === 'connected', hubId: change.hubId, events },
    events: out,
  };
}

/** A socket's opening comes before its closing; a newer epoch after both. */
function rank(epoch: number, connected: boolean): number {
  return epoch * 2 + (connected ? 0 : 1);
}
