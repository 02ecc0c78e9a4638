import { HUB_TYPES, MESSAGE_TYPES, START_TYPES, type MessageType } from './envelope';

const TYPES: ReadonlySet<unknown> = new Set<unknown>(MESSAGE_TYPES);
const FIELDS: ReadonlySet<string> = new Set([
  'type',
  'format',
  'version',
  'requestId',
  'originatingRequestId',
  'source',
  'target',
  'payload',
]);
const ID = /^[A-Za-z0-9._:-]+$/;
/** Printable ASCII only: class-validator's Length counts surrogate pairs and variation selectors
 * differently from String#length, so anything else takes the exact (slow) path. */
const ASCII = /^[\x20-\x7e]*$/;

/** A string class-validator's `@IsString() @Length(min, max)` certainly accepts (ASCII only: see above). */
export function certainText(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max && ASCII.test(value);
}

/** `@IsString() @Length(1, 100) @Matches(/^[A-Za-z0-9._:-]+$/)`, the envelope's id rule. */
export function certainId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 100 && ID.test(value);
}

/**
 * The hot-path check of a parsed frame against the envelope rules of `CloudFlowMessage`
 * (libs/contracts/src/websocket/envelope.ts), without class-transformer/class-validator, which
 * cost about 6% of a hub's CPU per frame in the relay bench profile. It lives here, next to the
 * class, because the raw NATS paths carry envelopes too (bus-validation.ts).
 *
 * It answers only "certainly valid": true means class-validator (whitelist,
 * forbidNonWhitelisted) accepts the frame too. False means "not sure": the caller then runs
 * class-validator, so refusals keep exactly its rules and error texts. frame.parser.spec.ts
 * (apps/hub) checks both directions on a table of frames.
 */
export function certainlyValidEnvelope(frame: Record<string, unknown>): boolean {
  for (const key in frame) {
    if (!Object.prototype.hasOwnProperty.call(frame, key) || !FIELDS.has(key)) return false;
  }
  const type = frame.type;
  if (!TYPES.has(type)) return false;
  const starts = START_TYPES.has(type as MessageType);
  if (!certainText(frame.format, 1, 32) || !certainText(frame.version, 1, 32) || !certainId(frame.requestId))
    return false;
  const origin = frame.originatingRequestId;
  const replies = !starts && !HUB_TYPES.has(type as MessageType);
  if ((replies || origin != null) && !certainId(origin)) return false;
  const source = frame.source;
  if (source != null && !certainText(source, 0, 200)) return false;
  const target = frame.target;
  if ((starts || target != null) && !certainText(target, 1, 100)) return false;
  const payload = frame.payload;
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload);
}
