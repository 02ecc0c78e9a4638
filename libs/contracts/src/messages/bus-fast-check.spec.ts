import 'reflect-metadata';
import { validateSync } from 'class-validator';
import { certainlyValidBusMessage, certainlyValidRequestEvent } from './bus-fast-check';
import {
  DeliverBusMessage,
  ForwardBusMessage,
  PingBusMessage,
  ReplacedBusMessage,
  ReplyBusMessage,
  RequestEventMessage,
} from './bus-validation';

/** What the classes say, the slow way (the same options as bus-validation's check()). */
function classAccepts(cls: new () => object, value: object): boolean {
  return (
    validateSync(Object.assign(new cls(), value), { forbidUnknownValues: true, whitelist: false }).length ===
    0
  );
}

const frame = {
  type: 'paymentResponse',
  format: 'cloudflow',
  version: '1.0',
  requestId: 'f-1',
  originatingRequestId: 'r-1',
  source: 'till-7',
  target: null,
  payload: { result: 'FULFILLED' },
};
const payment = { ...frame, type: 'payment', originatingRequestId: null, source: 'acct', target: 'till-7' };
const deliver = {
  kind: 'deliver',
  frame: payment,
  replyConnId: 'hub-1.i.c1',
  requester: 'acct',
  deadline: 1_800_000_000_000,
  epoch: 3,
};
const event = {
  eventId: '3f1c3c1e-4a51-4b7e-9a49-0b2b7c1a6d11',
  kind: 'reply',
  mode: 'sync',
  tenantId: 't1',
  accountId: 'a1',
  target: 'till-7',
  requestId: 'r-1',
  connId: 'hub-2.i.c9',
  index: 1,
  origin: 'device',
  message: frame,
  at: '2026-12-01T20:00:00.000Z',
};

const BUS: Array<[string, new () => object, Record<string, unknown>]> = [
  ['deliver', DeliverBusMessage, deliver],
  [
    'deliver, async, resend',
    DeliverBusMessage,
    { ...deliver, record: 'async', resend: true, replyConnId: undefined },
  ],
  [
    'deliver with null optionals',
    DeliverBusMessage,
    { ...deliver, replyConnId: null, record: null, resend: null },
  ],
  ['deliver with an extra field (rolling upgrade)', DeliverBusMessage, { ...deliver, traceparent: 'x' }],
  ['deliver, record sync', DeliverBusMessage, { ...deliver, record: 'sync' }],
  ['deliver, mode async', DeliverBusMessage, { ...deliver, mode: 'async', record: 'async' }],
  ['deliver, mode sync', DeliverBusMessage, { ...deliver, mode: 'sync' }],
  ['deliver, mode null', DeliverBusMessage, { ...deliver, mode: null }],
  ['deliver, mode unknown', DeliverBusMessage, { ...deliver, mode: 'later' }],
  ['deliver, mode in capitals', DeliverBusMessage, { ...deliver, mode: 'ASYNC' }],
  ['deliver, empty requester', DeliverBusMessage, { ...deliver, requester: '' }],
  ['deliver, requester 201 chars', DeliverBusMessage, { ...deliver, requester: 'a'.repeat(201) }],
  ['deliver, non-ASCII requester', DeliverBusMessage, { ...deliver, requester: 'caf\u00e9' }],
  ['deliver, fractional deadline', DeliverBusMessage, { ...deliver, deadline: 1.5 }],
  ['deliver, negative epoch', DeliverBusMessage, { ...deliver, epoch: -1 }],
  ['deliver, epoch as text', DeliverBusMessage, { ...deliver, epoch: '3' }],
  ['deliver, resend as text', DeliverBusMessage, { ...deliver, resend: 'yes' }],
  ['deliver, frame with an extra field', DeliverBusMessage, { ...deliver, frame: { ...payment, extra: 1 } }],
  ['deliver, frame without target', DeliverBusMessage, { ...deliver, frame: { ...payment, target: null } }],
  ['deliver, frame as array', DeliverBusMessage, { ...deliver, frame: [] }],
  ['deliver, no frame', DeliverBusMessage, { ...deliver, frame: undefined }],
  ['reply', ReplyBusMessage, { kind: 'reply', frame }],
  [
    'reply, frame without originatingRequestId',
    ReplyBusMessage,
    { kind: 'reply', frame: { ...frame, originatingRequestId: null } },
  ],
  ['forward', ForwardBusMessage, { kind: 'forward', frame: { ...frame, type: 'flowEvent' } }],
  ['replaced', ReplacedBusMessage, { kind: 'replaced', epoch: 4 }],
  ['replaced, no epoch', ReplacedBusMessage, { kind: 'replaced' }],
  ['ping', PingBusMessage, { kind: 'ping' }],
  ['ping with requestId', PingBusMessage, { kind: 'ping', requestId: 'r-1' }],
  ['ping, empty requestId', PingBusMessage, { kind: 'ping', requestId: '' }],
];

const EVENTS: Array<[string, Record<string, unknown>]> = [
  ['reply', event],
  ['start', { ...event, kind: 'start', index: 0, message: payment, origin: undefined }],
  ['late (index null, no mode)', { ...event, kind: 'late', index: null, mode: undefined }],
  ['hub origin', { ...event, origin: 'hub' }],
  ['extra field', { ...event, hop: 2 }],
  ['index missing', { ...event, index: undefined }],
  ['index negative', { ...event, index: -1 }],
  ['index fractional', { ...event, index: 0.5 }],
  ['eventId with a space', { ...event, eventId: 'a b' }],
  ['eventId 101 chars', { ...event, eventId: 'e'.repeat(101) }],
  ['unknown kind', { ...event, kind: 'other' }],
  ['unknown mode', { ...event, mode: 'both' }],
  ['unknown origin', { ...event, origin: 'pos' }],
  ['tenantId 65 chars', { ...event, tenantId: 't'.repeat(65) }],
  ['empty connId', { ...event, connId: '' }],
  ['message with an extra field', { ...event, message: { ...frame, x: 1 } }],
  ['no message', { ...event, message: undefined }],
  ['month 13', { ...event, at: '2026-13-01T20:00:00.000Z' }],
  ['hour 24', { ...event, at: '2026-12-01T24:00:00.000Z' }],
  ['a date only', { ...event, at: '2026-12-01' }],
  ['an offset time', { ...event, at: '2026-12-01T20:00:00+01:00' }],
  ['not a time', { ...event, at: 'yesterday' }],
  ['traced', { ...event, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }],
  [
    'traceparent upper-case',
    { ...event, traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01' },
  ],
  ['traceparent all-zero trace id', { ...event, traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }],
  ['traceparent not a string', { ...event, traceparent: 7 }],
];

describe('the fast bus checks agree with class-validator', () => {
  it.each(BUS)('bus message: %s', (_, cls, value) => {
    const sure = certainlyValidBusMessage(value);
    // "Certainly valid" must never accept what the class refuses; where the class accepts an ordinary message, so must the fast path.
    if (sure) expect(classAccepts(cls, value)).toBe(true);
    if (classAccepts(cls, value) && !JSON.stringify(value).includes('\u00e9')) expect(sure).toBe(true);
  });

  it.each(EVENTS)('request event: %s', (_, value) => {
    const sure = certainlyValidRequestEvent(value);
    if (sure) expect(classAccepts(RequestEventMessage, value)).toBe(true);
    // The fast path accepts only what Date#toISOString writes; the class takes other ISO 8601 forms too.
    if (classAccepts(RequestEventMessage, value) && !['a date only', 'an offset time'].includes(_))
      expect(sure).toBe(true);
  });

  it('refuses what is not an object at all', () => {
    for (const v of [null, undefined, 'deliver', 3, [deliver]]) {
      expect(certainlyValidBusMessage(v)).toBe(false);
      expect(certainlyValidRequestEvent(v)).toBe(false);
    }
  });

  it('sends the cases it is unsure of to class-validator (both directions are exercised)', () => {
    expect(BUS.filter(([, , v]) => certainlyValidBusMessage(v)).length).toBeGreaterThan(5);
    expect(BUS.filter(([, , v]) => !certainlyValidBusMessage(v)).length).toBeGreaterThan(5);
    expect(EVENTS.filter(([, v]) => !certainlyValidRequestEvent(v)).length).toBeGreaterThan(10);
  });
});
