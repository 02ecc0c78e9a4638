import { MESSAGE_TYPES, START_TYPES, type MessageType } from './envelope';

const TYPES: ReadonlySet<unknown> = new Set<unknown>(MESSAGE_TYPES);
const FIELDS: ReadonlySet<string> = new Set(['type', 'format', 'version', 'requestId', 'originatingRequestId', 'source', 'target', 'payload']);
const ID = /^[A-Za-z0-9._:-]+$/;
/** Printable ASCII only: class-validator's Length counts surrogate pairs and variation selectors
 * differently from String#length, so anything else takes the exact (slow) path. */
const ASCII = /^[\x20-\x7e]*$/;

function text(value: unknown, min: number, max: number): boolean {
  return typeof value === 'string' && value.length >= min && value.length <= max && ASCII.test(value);
}

function id(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= 100 && ID.test(value);
}

/**
 * The hot-path check of a parsed object against the rules of `CloudFlowMessage` (envelope.ts),
 * without class-transformer/class-validator (≈ 4 % of the gateway's CPU per async POST, 6 % of a
 * hub's per frame). It answers only "certainly valid": true means class-validator (whitelist,
 * forbidNonWhitelisted) accepts it too; false means "not sure", and the caller runs
 * class-validator, so refusals keep exactly its rules and error texts. The hub keeps its own
 * copy (apps/hub/src/routing/envelope-check.ts); envelope-check.spec.ts holds this one to
 * class-validator on a table of cases.
 */
export function certainlyValidEnvelope(frame: Record<string, unknown>): boolean {
  for (const key in frame) {
    if (!Object.prototype.hasOwnProperty.call(frame, key) || !FIELDS.has(key)) return false;
  }
  const type = frame.type;
  if (!TYPES.has(type)) return false;
  const starts = START_TYPES.has(type as MessageType);
  if (!text(frame.format, 1, 32) || !text(frame.version, 1, 32) || !id(frame.requestId)) return false;
  const origin = frame.originatingRequestId;
  if ((!starts || origin != null) && !id(origin)) return false;
  const source = frame.source;
  if (source != null && !text(source, 0, 200)) return false;
  const target = frame.target;
  if ((starts || target != null) && !text(target, 1, 100)) return false;
  const payload = frame.payload;
  return typeof payload === 'object' && payload !== null && !Array.isArray(payload);
}
