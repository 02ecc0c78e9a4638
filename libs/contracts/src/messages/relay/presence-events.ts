import { kvToken } from './presence';

/**
 * Presence, pushed (issue 14): a hub publishes every opening and closing of a device socket to a
 * durable stream; the gateways turn those into `deviceConnected` / `deviceDisconnected` events,
 * once per transition, in the account's events (webhooks, the feed, subscribed POS sockets).
 */
export const PRESENCE_EVENTS = {
  stream: 'CF_PRESENCE_EVENTS',
  /** Hubs publish here (`<subject>.<tenant token>`); every gateway replica pulls one durable consumer. */
  subject: 'hub.presence.changes.v1',
  durable: 'gateway-presence',
  /** Changes older than this are gone from the stream: recording them takes milliseconds. */
  maxAgeMs: 24 * 3_600_000,
  /** The gateway that recorded an event announces it here (`<prefix>.<tenant>.<account>`), for subscribed POS sockets. */
  pushPrefix: 'gateway.events.pushed',
} as const;

/** Why a device socket closed, as the `deviceDisconnected` event says. */
export const DISCONNECT_REASONS = ['closed', 'replaced', 'livenessLost', 'revoked', 'hubGone'] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

/** The kinds of event an account's webhooks and feed carry; the request's messages always. */
export const EVENT_TYPES = ['requestMessage', 'deviceConnected', 'deviceDisconnected'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** What an account may opt into (request messages are not optional: they are the async results). */
export const OPTIONAL_EVENT_TYPES = ['deviceConnected', 'deviceDisconnected'] as const;
export type OptionalEventType = (typeof OPTIONAL_EVENT_TYPES)[number];

/** Hub → gateways, on the presence stream: one socket of one device opened or closed. */
export interface PresenceChange {
  change: 'connected' | 'disconnected';
  tenantId: string;
  accountId: string;
  referenceId: string;
  /** The socket's ownership epoch (DevicePresence.epoch): strictly increasing per device. */
  epoch: number;
  hubId: string;
  /** When the hub saw it (ISO time). */
  at: string;
  /** Disconnects only. */
  reason?: DisconnectReason;
}

/** The body a presence event's webhook delivery carries, and the feed shows (byte for byte). */
export interface PresenceEventBody {
  type: 'deviceConnected' | 'deviceDisconnected';
  referenceId: string;
  at: string;
  /** `deviceDisconnected` only. */
  reason?: DisconnectReason;
}

/** Gateway → hubs, after the commit: an event of the account, for its subscribed POS sockets. */
export interface PushedEvent {
  tenantId: string;
  accountId: string;
  /** The event's delivery id (the same in webhooks and the feed). */
  id: string;
  type: EventType;
  body: PresenceEventBody;
}

export function presenceChangeSubject(tenantId: string): string {
  return `${PRESENCE_EVENTS.subject}.${kvToken(tenantId)}`;
}

export function pushedEventsSubject(tenantId: string, accountId: string): string {
  return `${PRESENCE_EVENTS.pushPrefix}.${kvToken(tenantId)}.${kvToken(accountId)}`;
}

/** JetStream's de-duplication id of a change: a hub that publishes one again (a lost ack) adds nothing. */
export function presenceChangeId(change: PresenceChange): string {
  return `${kvToken(change.tenantId)}.${kvToken(change.accountId)}.${kvToken(change.referenceId)}.${change.epoch}.${change.change}`;
}

/** Checks what came off the stream; the reason it is not a PresenceChange, or undefined when it is one. */
export function presenceChangeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const v = value as Record<string, unknown>;
  if (v.change !== 'connected' && v.change !== 'disconnected')
    return 'change must be connected or disconnected';
  for (const field of ['tenantId', 'accountId', 'referenceId', 'hubId', 'at'] as const) {
    const s = v[field];
    if (typeof s !== 'string' || s.length === 0 || s.length > 200) return `${field} must be a string`;
  }
  if (!Number.isSafeInteger(v.epoch) || (v.epoch as number) < 0) return 'epoch must be an integer';
  if (Number.isNaN(Date.parse(v.at as string))) return 'at must be a time';
  if (v.change === 'disconnected' && !(DISCONNECT_REASONS as readonly unknown[]).includes(v.reason))
    return `reason must be one of ${DISCONNECT_REASONS.join(', ')}`;
  return undefined;
}

/**
 * Checks a pushed event as a hub receives it (core NATS, from a gateway); the reason it is not a
 * PushedEvent, or undefined when it is one. The hub writes `body` to POS sockets, so its fields
 * are checked too (a field a newer gateway adds passes, for a rolling upgrade).
 */
export function pushedEventProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const v = value as Record<string, unknown>;
  for (const field of ['tenantId', 'accountId', 'id'] as const) {
    const s = v[field];
    if (typeof s !== 'string' || s.length === 0 || s.length > 200) return `${field} must be a string`;
  }
  if (!(EVENT_TYPES as readonly unknown[]).includes(v.type))
    return `type must be one of ${EVENT_TYPES.join(', ')}`;
  if (typeof v.body !== 'object' || v.body === null) return 'body must be an object';
  const body = v.body as Record<string, unknown>;
  if (!(OPTIONAL_EVENT_TYPES as readonly unknown[]).includes(body.type))
    return `body.type must be one of ${OPTIONAL_EVENT_TYPES.join(', ')}`;
  if (typeof body.referenceId !== 'string' || body.referenceId.length === 0 || body.referenceId.length > 200)
    return 'body.referenceId must be a string';
  if (typeof body.at !== 'string' || Number.isNaN(Date.parse(body.at))) return 'body.at must be a time';
  if (body.reason !== undefined && !(DISCONNECT_REASONS as readonly unknown[]).includes(body.reason))
    return `body.reason must be one of ${DISCONNECT_REASONS.join(', ')}`;
  return undefined;
}
