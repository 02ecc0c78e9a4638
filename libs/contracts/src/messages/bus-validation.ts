import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  Min,
  ValidateIf,
  registerDecorator,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { CloudFlowError } from '../errors/cloudflow-error';
import { ErrorCode, isErrorCode } from '../errors/error-code';
import { CloudFlowMessage } from '../websocket/envelope';
import { REQUEST_MODES, type RequestMode } from './request-mode';
import { AppKeyChangedEvent } from './auth/app-key.messages';
import type { UsageReportedEvent } from './auth/usage.messages';
import { certainlyValidBusMessage, certainlyValidRequestEvent } from './bus-fast-check';
import { USAGE_DAY } from './auth/usage.messages';
import { TRACEPARENT, type RequestEvent, type RequestEventKind } from './gateway/request-events.messages';
import { AccessRevokedEvent } from './relay/credential.messages';
import type { BusAck, BusMessage } from './relay/hub-bus.messages';
import type { EventMap, EventSubject } from '../subjects';

/**
 * The raw NATS paths (a connection's own subject, the request-event stream, the broadcasts)
 * carry these classes; every receiver validates what arrives with `parseBusMessage`,
 * `parseRequestEvent`, `parseBusAck` or `parseEvent` before acting on it, as the RPC handlers
 * do with theirs. Unknown extra fields are tolerated (not stripped, not refused): during a
 * rolling upgrade an older replica must still accept what a newer one sends.
 *
 * Each class `implements` the wire type it checks, so a field added to the type without a rule
 * here does not compile.
 */

const OPTIONS = { forbidUnknownValues: true, whitelist: false } as const;
const ENVELOPE_OPTIONS = { whitelist: true, forbidNonWhitelisted: true } as const;

/** A nested CloudFlow envelope, held to the same rules as a websocket frame. */
function IsEnvelope(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isEnvelope',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must be a valid CloudFlow envelope' },
      validator: { validate: (v: unknown) => isEnvelope(v) },
    });
}

export function isEnvelope(value: unknown): value is CloudFlowMessage {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const message = Object.assign(new CloudFlowMessage(), value);
  return validateSync(message, ENVELOPE_OPTIONS).length === 0;
}

const EVENT_ID = /^[A-Za-z0-9._:-]+$/;
const CONN_ID = /^[A-Za-z0-9._:-]+$/;

type Deliver = Extract<BusMessage, { kind: 'deliver' }>;
type Forward = Extract<BusMessage, { kind: 'forward' }>;
type Reply = Extract<BusMessage, { kind: 'reply' }>;
type Replaced = Extract<BusMessage, { kind: 'replaced' }>;
type Ping = Extract<BusMessage, { kind: 'ping' }>;

export class DeliverBusMessage implements Deliver {
  @IsIn(['deliver']) kind: 'deliver';
  @IsEnvelope() frame: CloudFlowMessage;
  @IsOptional() @IsString() @Length(1, 200) replyConnId?: string;
  @IsString() @Length(1, 200) requester: string;
  @IsOptional() @IsIn(REQUEST_MODES) mode?: RequestMode;
  @IsOptional() @IsIn(['async']) record?: 'async';
  @IsInt() @Min(0) deadline: number;
  @IsInt() @Min(0) epoch: number;
  @IsOptional() @IsBoolean() resend?: boolean;
}

export class ForwardBusMessage implements Forward {
  @IsIn(['forward']) kind: 'forward';
  @IsEnvelope() frame: CloudFlowMessage;
}

export class ReplyBusMessage implements Reply {
  @IsIn(['reply']) kind: 'reply';
  @IsEnvelope() frame: CloudFlowMessage;
}

export class ReplacedBusMessage implements Replaced {
  @IsIn(['replaced']) kind: 'replaced';
  @IsInt() @Min(0) epoch: number;
}

export class PingBusMessage implements Ping {
  @IsIn(['ping']) kind: 'ping';
  @IsOptional() @IsString() @Length(1, 100) requestId?: string;
}

const BUS_CLASSES: { [K in BusMessage['kind']]: new () => Extract<BusMessage, { kind: K }> } = {
  deliver: DeliverBusMessage,
  forward: ForwardBusMessage,
  reply: ReplyBusMessage,
  replaced: ReplacedBusMessage,
  ping: PingBusMessage,
};

/** A message on a connection's subject, validated; anything else is `invalidData`. */
export function parseBusMessage(value: unknown): BusMessage {
  // The hot path: a message the class certainly accepts skips class-validator (bus-fast-check.ts).
  if (certainlyValidBusMessage(value)) return value as BusMessage;
  const kind = value && typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined;
  const cls: (new () => BusMessage) | undefined =
    typeof kind === 'string' && Object.prototype.hasOwnProperty.call(BUS_CLASSES, kind)
      ? BUS_CLASSES[kind as BusMessage['kind']]
      : undefined;
  if (!cls) throw invalid('bus message', [`kind must be one of ${Object.keys(BUS_CLASSES).join(', ')}`]);
  return check<BusMessage>('bus message', cls, value);
}

/** The answer to a bus request; an answer of the wrong shape is treated as a failure by the caller. */
export function parseBusAck(value: unknown): BusAck {
  if (!value || typeof value !== 'object') throw invalid('bus answer', ['must be an object']);
  const ack = value as Record<string, unknown>;
  if (ack.ok === true) {
    for (const flag of ['inflight', 'repeated']) {
      if (ack[flag] !== undefined && typeof ack[flag] !== 'boolean')
        throw invalid('bus answer', [`${flag} must be a boolean`]);
    }
    return ack as BusAck;
  }
  if (ack.ok !== false) throw invalid('bus answer', ['ok must be a boolean']);
  if (!isErrorCode(ack.errorCode) || typeof ack.errorMessage !== 'string')
    throw invalid('bus answer', ['errorCode and errorMessage are required when ok is false']);
  for (const flag of ['noResponders', 'timedOut']) {
    if (ack[flag] !== undefined && typeof ack[flag] !== 'boolean')
      throw invalid('bus answer', [`${flag} must be a boolean`]);
  }
  return ack as BusAck;
}

export class RequestEventMessage implements RequestEvent {
  @IsString() @Length(1, 100) @Matches(EVENT_ID) eventId: string;
  @IsIn(['start', 'reply', 'late'] satisfies RequestEventKind[]) kind: RequestEventKind;
  @IsOptional() @IsIn(REQUEST_MODES) mode?: RequestMode;
  @IsString() @Length(1, 64) tenantId: string;
  @IsString() @Length(1, 64) accountId: string;
  @IsString() @Length(1, 100) target: string;
  @IsString() @Length(1, 100) requestId: string;
  @IsString() @Length(1, 200) connId: string;
  @ValidateIf((e: RequestEventMessage) => e.index !== null) @IsInt() @Min(0) index: number | null;
  @IsOptional() @IsIn(['device', 'hub']) origin?: 'device' | 'hub';
  @IsEnvelope() message: CloudFlowMessage;
  @IsISO8601() at: string;
  @IsOptional() @IsString() @Matches(TRACEPARENT) traceparent?: string;
}

/** An event from the request stream, validated before it is recorded. */
export function parseRequestEvent(value: unknown): RequestEvent {
  if (certainlyValidRequestEvent(value)) return value as RequestEvent;
  return check('request event', RequestEventMessage, value);
}

export class RelayDataChangedEvent {
  @IsString() @Length(1, 64) tenantId: string;
  @IsString() @Length(1, 64) accountId: string;
  @IsOptional() @IsString() @Length(1, 100) referenceId?: string;
}

export class BlockedEndpointsChangedEvent {}

function isUsageTotals(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((item: unknown) => {
      if (!item || typeof item !== 'object') return false;
      const t = item as Record<string, unknown>;
      return (
        typeof t.keyId === 'string' &&
        typeof t.day === 'string' &&
        USAGE_DAY.test(t.day) &&
        Number.isInteger(t.usedToday) &&
        Number.isInteger(t.added)
      );
    })
  );
}

export class UsageReportedEventMessage implements UsageReportedEvent {
  @IsString() @Length(1, 200) source: string;
  @IsUsageTotals() items: UsageReportedEvent['items'];
}

function IsUsageTotals(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUsageTotals',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must be {keyId, day, usedToday, added} items' },
      validator: { validate: isUsageTotals },
    });
}

const EVENT_CLASSES: { [S in EventSubject]: new () => object } = {
  'auth.appKey.changed.v1': AppKeyChangedEvent,
  'auth.blockedEndpoint.changed.v1': BlockedEndpointsChangedEvent,
  'auth.usage.reported.v1': UsageReportedEventMessage,
  'cloudflow.access.revoked.v1': AccessRevokedEvent,
  'admin.relayData.changed.v1': RelayDataChangedEvent,
};

/** A broadcast, validated against its subject's class. */
export function parseEvent<S extends EventSubject>(subject: S, value: unknown): EventMap[S] {
  return check(`${subject} event`, EVENT_CLASSES[subject], value) as EventMap[S];
}

function check<T extends object>(what: string, cls: new () => T, value: unknown): T {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw invalid(what, ['must be a JSON object']);
  const instance = Object.assign(new cls(), value);
  const errors = validateSync(instance, OPTIONS);
  if (errors.length) throw invalid(what, describe(errors));
  return instance;
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((m) => (prefix ? `${prefix}.${m}` : m)),
    ...describe(e.children ?? [], prefix ? `${prefix}.${e.property}` : e.property),
  ]);
}

function invalid(what: string, problems: string[]): CloudFlowError {
  return new CloudFlowError(ErrorCode.invalidData, `Invalid ${what}: ${problems.join('; ')}`);
}

/** Connection ids as the hubs make them (HubIdentity): safe inside a subject. */
export function isConnectionId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 200 && CONN_ID.test(value);
}
