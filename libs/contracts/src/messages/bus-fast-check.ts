import { certainlyValidEnvelope, certainText } from '../websocket/envelope-check';
import { TRACEPARENT } from './gateway/request-events.messages';

/**
 * Hand-written "certainly valid" tests of the raw NATS messages of the relay's hot path (a
 * connection's bus messages, request-stream events), mirroring the class-validator rules of
 * their contract classes in bus-validation.ts. class-validator cost a third of the gateway's
 * busy CPU (two events per payment, each with a nested envelope) and a tenth of each hub's in
 * the relay bench profile. As with certainlyValidEnvelope, `true` means the class accepts the
 * value too; `false` means "not sure": the caller then runs class-validator, so refusals keep
 * its rules and texts. bus-validation.spec.ts checks both directions on a table.
 *
 * The classes use `whitelist: false` (extra fields are tolerated for rolling upgrades), so only
 * the named fields are looked at; a nested envelope is held to its own strict rules.
 */

type Fields = Record<string, unknown>;

/** `@IsInt() @Min(0)`. */
function count(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** `@IsOptional()` then the rule: class-validator skips null and undefined. */
function optional(value: unknown, rule: (v: unknown) => boolean): boolean {
  return value === undefined || value === null || rule(value);
}

function envelope(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    certainlyValidEnvelope(value as Fields)
  );
}

const EVENT_ID = /^[A-Za-z0-9._:-]+$/;
/**
 * What `new Date().toISOString()` writes, restricted to what validator.js's (non-strict)
 * isISO8601 pattern accepts field by field (month 01-12, day 01-31, hour 00-23, …).
 */
const ISO_INSTANT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** DeliverBusMessage, ForwardBusMessage, ReplyBusMessage, ReplacedBusMessage, PingBusMessage. */
export function certainlyValidBusMessage(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const m = value as Fields;
  switch (m.kind) {
    case 'deliver':
      return (
        envelope(m.frame) &&
        optional(m.replyConnId, (v) => certainText(v, 1, 200)) &&
        certainText(m.requester, 1, 200) &&
        optional(m.mode, (v) => v === 'sync' || v === 'async') &&
        optional(m.record, (v) => v === 'async') &&
        count(m.deadline) &&
        count(m.epoch) &&
        optional(m.resend, (v) => typeof v === 'boolean')
      );
    case 'forward':
    case 'reply':
      return envelope(m.frame);
    case 'replaced':
      return count(m.epoch);
    case 'ping':
      return optional(m.requestId, (v) => certainText(v, 1, 100));
    default:
      return false;
  }
}

/** RequestEventMessage. */
export function certainlyValidRequestEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const e = value as Fields;
  return (
    certainText(e.eventId, 1, 100) &&
    EVENT_ID.test(e.eventId) &&
    (e.kind === 'start' || e.kind === 'reply' || e.kind === 'late') &&
    optional(e.mode, (v) => v === 'sync' || v === 'async') &&
    certainText(e.tenantId, 1, 64) &&
    certainText(e.accountId, 1, 64) &&
    certainText(e.target, 1, 100) &&
    certainText(e.requestId, 1, 100) &&
    certainText(e.connId, 1, 200) &&
    (e.index === null || count(e.index)) &&
    optional(e.origin, (v) => v === 'device' || v === 'hub') &&
    envelope(e.message) &&
    typeof e.at === 'string' &&
    ISO_INSTANT.test(e.at) &&
    optional(e.traceparent, (v) => typeof v === 'string' && TRACEPARENT.test(v))
  );
}
