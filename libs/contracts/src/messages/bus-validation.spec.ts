import 'reflect-metadata';
import { CloudFlowError } from '../errors/cloudflow-error';
import { parseBusAck, parseBusMessage, parseEvent, parseRequestEvent } from './bus-validation';

const frame = {
  type: 'payment',
  format: 'appflow',
  version: '2.1.2',
  requestId: 'r-1',
  originatingRequestId: null,
  source: 'acct',
  target: 'till-7',
  payload: { amounts: { baseAmount: 1250, currency: 'EUR' } },
};

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CloudFlowError);
    expect((error as CloudFlowError).code).toBe('invalidData');
    return (error as CloudFlowError).message;
  }
  throw new Error('accepted');
}

describe('parseBusMessage', () => {
  const deliver = {
    kind: 'deliver',
    frame,
    replyConnId: 'hub-a.c1',
    requester: 'acct',
    deadline: 1_800_000_000_000,
    epoch: 3,
  };

  it('accepts every kind in its contract shape', () => {
    expect(parseBusMessage(deliver)).toMatchObject({ kind: 'deliver', epoch: 3 });
    expect(
      parseBusMessage({
        kind: 'forward',
        frame: { ...frame, type: 'flowEvent', originatingRequestId: 'r-0' },
      }).kind,
    ).toBe('forward');
    expect(
      parseBusMessage({
        kind: 'reply',
        frame: { ...frame, type: 'paymentResponse', originatingRequestId: 'r-1' },
      }).kind,
    ).toBe('reply');
    expect(parseBusMessage({ kind: 'replaced', epoch: 4 }).kind).toBe('replaced');
    expect(parseBusMessage({ kind: 'ping' }).kind).toBe('ping');
  });

  it('tolerates fields a newer replica adds (rolling upgrades)', () => {
    expect(parseBusMessage({ ...deliver, traceparent: '00-abc' }).kind).toBe('deliver');
  });

  it.each([
    ['no kind', { frame }],
    ['unknown kind', { kind: 'explode' }],
    ['a prototype key as kind', { kind: 'constructor' }],
    ['deliver without deadline', { ...deliver, deadline: undefined }],
    ['deliver without epoch', { ...deliver, epoch: 'x' }],
    ['deliver with a broken frame', { ...deliver, frame: { ...frame, requestId: '' } }],
    ['deliver with an unknown frame field', { ...deliver, frame: { ...frame, extra: 1 } }],
    ['deliver with an array frame', { ...deliver, frame: [] }],
    ['replaced without epoch', { kind: 'replaced' }],
    ['null', null],
    ['a string', 'deliver'],
  ])('refuses %s', (_, value) => {
    expect(refusal(() => parseBusMessage(value))).toMatch(/^Invalid bus message/);
  });
});

describe('parseBusAck', () => {
  it('accepts success and failure answers', () => {
    expect(parseBusAck({ ok: true })).toEqual({ ok: true });
    expect(parseBusAck({ ok: true, inflight: false })).toEqual({ ok: true, inflight: false });
    expect(
      parseBusAck({ ok: false, errorCode: 'connectionLost', errorMessage: 'gone', noResponders: true }),
    ).toMatchObject({ ok: false });
  });

  it.each([
    [{}],
    [{ ok: 'yes' }],
    [{ ok: false }],
    [{ ok: false, errorCode: 'nope', errorMessage: 'x' }],
    [{ ok: false, errorCode: 'failed', errorMessage: 'x', timedOut: 1 }],
  ])('refuses %j', (value) => {
    expect(refusal(() => parseBusAck(value))).toMatch(/^Invalid bus answer/);
  });
});

describe('parseRequestEvent', () => {
  const event = {
    eventId: '3f1c3c1e-4a51-4b7e-9a49-0b2b7c1a6d11',
    kind: 'reply',
    mode: 'async',
    tenantId: 't1',
    accountId: 'a1',
    target: 'till-7',
    requestId: 'r-1',
    connId: 'hub-a.c1',
    index: 1,
    message: { ...frame, type: 'paymentResponse', originatingRequestId: 'r-1' },
    at: '2026-12-01T20:00:00.000Z',
  };

  it('accepts replies, starts and late answers (index null)', () => {
    expect(parseRequestEvent(event).requestId).toBe('r-1');
    expect(parseRequestEvent({ ...event, kind: 'late', index: null, mode: undefined }).kind).toBe('late');
  });

  it.each([
    ['a missing eventId', { ...event, eventId: undefined }],
    ['an eventId that cannot be a message id', { ...event, eventId: 'a b' }],
    ['an unknown kind', { ...event, kind: 'other' }],
    ['a negative index', { ...event, index: -1 }],
    ['a missing message', { ...event, message: undefined }],
    ['a bad time', { ...event, at: 'yesterday' }],
  ])('refuses %s', (_, value) => {
    expect(refusal(() => parseRequestEvent(value))).toMatch(/^Invalid request event/);
  });
});

describe('parseEvent', () => {
  it('validates each broadcast against its subject', () => {
    expect(
      parseEvent('cloudflow.access.revoked.v1', { tenantId: 't', accountId: 'a', scope: 'account' }).scope,
    ).toBe('account');
    expect(parseEvent('admin.relayData.changed.v1', { tenantId: 't', accountId: 'a' }).accountId).toBe('a');
    expect(
      parseEvent('auth.usage.reported.v1', {
        source: 's',
        items: [{ keyId: 'k', day: '2026-12-01', usedToday: 3, added: 1 }],
      }).items,
    ).toHaveLength(1);
    expect(
      refusal(() =>
        parseEvent('cloudflow.access.revoked.v1', { tenantId: 't', accountId: 'a', scope: 'everything' }),
      ),
    ).toMatch(/scope/);
    expect(refusal(() => parseEvent('auth.appKey.changed.v1', { keyId: 42 }))).toMatch(/keyId/);
    expect(
      refusal(() => parseEvent('auth.usage.reported.v1', { source: 's', items: [{ keyId: 'k' }] })),
    ).toMatch(/items/);
  });
});
