import { IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';

export const MESSAGE_TYPES = [
  'payment',
  'request',
  'paymentResponse',
  'response',
  'flowEvent',
  'flowException',
  /** Client → device: stop the transaction `originatingRequestId` if it has not finished (issue 13). */
  'cancel',
  /** Client → hub: push the account's events named in `payload.events` to this socket (issue 14). */
  'subscribe',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Client → device: starts a transaction. */
export const START_TYPES: ReadonlySet<MessageType> = new Set(['payment', 'request']);
/** Addressed to the hub itself, part of no transaction: neither `target` nor `originatingRequestId`. */
export const HUB_TYPES: ReadonlySet<MessageType> = new Set(['subscribe']);

/** Device → client: the transaction's last word. */
export const FINAL_TYPES: ReadonlySet<MessageType> = new Set([
  'paymentResponse',
  'response',
  'flowException',
]);

/**
 * A terminal that stops a transaction on a `cancel` ends it with its usual final answer
 * (`paymentResponse` / `response`) whose `payload.outcome` is this; the request is then
 * `cancelled`. A terminal that has finished already ignores the cancel: its answer stands.
 */
export const CANCELLED_OUTCOME = 'cancelled';

/** Frames larger than this close the socket with 1009 (CONTRACT.md §7). */
export const MAX_FRAME_BYTES = 64 * 1024;

const ID = /^[A-Za-z0-9._:-]+$/;

/**
 * The CloudFlow envelope, every websocket frame and every async request body (CONTRACT.md §7).
 * The relay validates it strictly and treats the payload as opaque (shape and size only).
 */
export class CloudFlowMessage {
  @IsIn(MESSAGE_TYPES) type: MessageType;
  @IsString() @Length(1, 32) format: string;
  @IsString() @Length(1, 32) version: string;
  @IsString()
  @Length(1, 100)
  @Matches(ID, { message: 'requestId may contain only letters, digits and . _ : -' })
  requestId: string;
  /** Replies name the request they answer. */
  @ValidateIf(
    (m: CloudFlowMessage) =>
      (!START_TYPES.has(m.type) && !HUB_TYPES.has(m.type)) || m.originatingRequestId != null,
  )
  @IsString()
  @Length(1, 100)
  @Matches(ID)
  originatingRequestId?: string | null;
  /** Set by the hub to the sender's identity; whatever a sender puts here is overwritten. */
  @IsOptional() @IsString() @Length(0, 200) source?: string | null;
  /** The device's referenceId for client → device frames; optional on replies (the hub routes those). */
  @ValidateIf((m: CloudFlowMessage) => START_TYPES.has(m.type) || m.target != null)
  @IsString()
  @Length(1, 100)
  target?: string | null;
  @IsObject() payload: Record<string, unknown>;
}

/** Websocket close codes CloudFlow uses beyond the standard ones. */
export const CLOSE_CODES = {
  /** Credential revoked, rotated or disabled (CONTRACT.md §7). */
  unauthorized: 4401,
  /** A newer connection of the same device replaced this one. */
  replaced: 4409,
  /** Server restart: reconnect (RFC 6455 "service restart"). */
  restart: 1012,
  tooBig: 1009,
  /** Too many inbound frames waiting on this socket (RFC 6455 "policy violation"). */
  policy: 1008,
  /** Slow consumer, or the hub could not store a result: reconnect and resend (RFC 6455 "try again later"). */
  tryAgain: 1013,
} as const;
