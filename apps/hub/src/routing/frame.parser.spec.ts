import { CloudFlowError, CloudFlowMessage, ErrorCode, certainlyValidEnvelope } from '@cloudflow/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseFrame, requestIdOf } from './frame.parser';

const frame = (over: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId: 'r-1',
      target: 'till-7',
      payload: { amounts: { baseAmount: 1000, currency: 'EUR' } },
      ...over,
    }),
  );

describe('parseFrame', () => {
  it('accepts a valid payment envelope', () => {
    const parsed = parseFrame(frame(), false);
    expect(parsed).toBeInstanceOf(CloudFlowMessage);
    expect((parsed as CloudFlowMessage).target).toBe('till-7');
  });

  it('accepts a reply that names its request and has no target', () => {
    expect(
      parseFrame(frame({ type: 'paymentResponse', target: undefined, originatingRequestId: 'r-1' }), false),
    ).toBeInstanceOf(CloudFlowMessage);
  });

  it.each([
    ['not JSON', Buffer.from('{nope'), /not valid JSON/],
    ['an array', Buffer.from('[]'), /JSON object/],
    ['an unknown type', frame({ type: 'refundPlease' }), /type/],
    ['a payment without target', frame({ target: undefined }), /target/],
    ['a reply without originatingRequestId', frame({ type: 'flowEvent' }), /originatingRequestId/],
    ['an unknown field', frame({ cardNumber: '4111111111111111' }), /cardNumber: unknown field/],
    ['a payload that is not an object', frame({ payload: 'x' }), /payload/],
    ['a requestId with spaces', frame({ requestId: 'a b' }), /requestId/],
  ])('refuses %s with invalidData naming the problem', (_name, data, message) => {
    const parsed = parseFrame(data, false);
    expect(parsed).toBeInstanceOf(CloudFlowError);
    expect((parsed as CloudFlowError).code).toBe(ErrorCode.invalidData);
    expect((parsed as CloudFlowError).message).toMatch(message);
  });

  it('refuses binary frames', () => {
    expect((parseFrame(frame(), true) as CloudFlowError).code).toBe(ErrorCode.invalidData);
  });

  it('finds the requestId of a refused frame when it can', () => {
    expect(requestIdOf(frame({ type: 'bogus' }))).toBe('r-1');
    expect(requestIdOf(Buffer.from('{nope'))).toBeNull();
  });

  it('keeps the text and the fields of a valid frame exactly', () => {
    const parsed = parseFrame(
      frame({ originatingRequestId: null, source: 'spoofed' }),
      false,
    ) as CloudFlowMessage;
    expect({ ...parsed }).toEqual({
      type: 'payment',
      format: 'appflow',
      version: '2.1.2',
      requestId: 'r-1',
      originatingRequestId: null,
      source: 'spoofed',
      target: 'till-7',
      payload: { amounts: { baseAmount: 1000, currency: 'EUR' } },
    });
  });
});

describe('certainlyValidEnvelope (the fast path) agrees with class-validator', () => {
  const base = {
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId: 'r-1',
    target: 'till-7',
    payload: {},
  };
  const reply = {
    type: 'paymentResponse',
    format: 'appflow',
    version: '1',
    requestId: 'f-1',
    originatingRequestId: 'r-1',
    payload: { outcome: 'FULFILLED' },
  };
  // [name, frame, class-validator accepts it, the fast path is sure of it]
  const cases: Array<[string, Record<string, unknown>, boolean, boolean?]> = [
    ['a payment', base, true],
    ['a request', { ...base, type: 'request' }, true],
    ['a reply', reply, true],
    ['a reply with target and source', { ...reply, target: 'pos', source: '' }, true],
    ['every reply type', { ...reply, type: 'flowException' }, true],
    ['a payment with originatingRequestId null', { ...base, originatingRequestId: null }, true],
    ['a payment with target null', { ...base, target: null }, false],
    ['a payment with empty target', { ...base, target: '' }, false],
    ['a payment with a 101-char target', { ...base, target: 'x'.repeat(101) }, false],
    ['a payment with a 100-char target', { ...base, target: 'x'.repeat(100) }, true],
    ['a reply without originatingRequestId', { ...reply, originatingRequestId: undefined }, false],
    ['a reply with originatingRequestId null', { ...reply, originatingRequestId: null }, false],
    ['a bad originatingRequestId', { ...reply, originatingRequestId: 'a b' }, false],
    ['an unknown type', { ...base, type: 'refund' }, false],
    ['a numeric type', { ...base, type: 1 }, false],
    ['an empty format', { ...base, format: '' }, false],
    ['a 33-char version', { ...base, version: 'v'.repeat(33) }, false],
    ['a 32-char version', { ...base, version: 'v'.repeat(32) }, true],
    ['a numeric requestId', { ...base, requestId: 5 }, false],
    ['a 101-char requestId', { ...base, requestId: 'r'.repeat(101) }, false],
    ['a requestId with a slash', { ...base, requestId: 'r/1' }, false],
    ['a numeric source', { ...base, source: 3 }, false],
    ['a 201-char source', { ...base, source: 's'.repeat(201) }, false],
    ['an array payload', { ...base, payload: [] }, false],
    ['a null payload', { ...base, payload: null }, false],
    ['no payload', { ...base, payload: undefined }, false],
    ['an unknown field', { ...base, pan: '4111' }, false],
    // class-transformer drops it; the fast path leaves such oddities to class-validator.
    [
      'a __proto__ field',
      JSON.parse(
        '{"__proto__":{"x":1},"type":"payment","format":"a","version":"1","requestId":"r","target":"t","payload":{}}',
      ) as Record<string, unknown>,
      true,
      false,
    ],
    // Not ASCII: the fast path says "not sure"; class-validator decides (and accepts these).
    ['a unicode format', { ...base, format: 'äpp' }, true, false],
    ['an emoji target', { ...base, target: '🧾' }, true, false],
  ];

  it.each(cases)('%s', (_name, raw, valid, sure = valid) => {
    const plain = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
    const errors = validateSync(plainToInstance(CloudFlowMessage, plain), {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    expect(errors.length === 0).toBe(valid);
    // Never sure of what class-validator refuses.
    expect(certainlyValidEnvelope(plain)).toBe(sure);
    // Either way the parser's verdict is class-validator's.
    expect(parseFrame(Buffer.from(JSON.stringify(plain)), false) instanceof CloudFlowMessage).toBe(valid);
  });
});

describe('parseFrame refuses what Postgres cannot store (a poison frame would block the shared recording consumer)', () => {
  const reply = (payload: string) =>
    Buffer.from(
      `{"type":"paymentResponse","format":"appflow","version":"1","requestId":"f-1","originatingRequestId":"r-1","payload":${payload}}`,
    );
  const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  it.each([
    ['U+0000 in a string', reply('{"note":"a\\u0000b"}'), /U\+0000/],
    ['U+0000 in a key', reply('{"k\\u0000":1}'), /U\+0000/],
    ['a lone high surrogate', reply('{"note":"\\ud800x"}'), /surrogate/],
    ['a lone low surrogate in an array', reply('{"list":["ok","\\udc00"]}'), /surrogate/],
    ['nesting deeper than 32 levels', reply(nested(40)), /deeper than 32/],
  ])('refuses %s with invalidData', (_name, data, message) => {
    const parsed = parseFrame(data, false);
    expect(parsed).toBeInstanceOf(CloudFlowError);
    expect((parsed as CloudFlowError).code).toBe(ErrorCode.invalidData);
    expect((parsed as CloudFlowError).message).toMatch(message);
  });

  it.each([
    ['an escaped backslash before u0000 (the text \\u0000, storable)', reply('{"note":"\\\\u0000"}')],
    ['a valid surrogate pair', reply('{"note":"\\ud83e\\uddfe"}')],
    ['many brackets but shallow', reply(`{"list":[${Array.from({ length: 50 }, () => '{}').join(',')}]}`)],
    ['nesting of 31 levels inside the envelope', reply(nested(30))],
  ])('accepts %s', (_name, data) => {
    expect(parseFrame(data, false)).toBeInstanceOf(CloudFlowMessage);
  });

  it('refuses a frame of type ack: only the hub sends those', () => {
    const parsed = parseFrame(
      Buffer.from(reply('{}').toString().replace('"paymentResponse"', '"ack"')),
      false,
    );
    expect((parsed as CloudFlowError).code).toBe(ErrorCode.invalidData);
  });
});
