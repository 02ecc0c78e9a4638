import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { createValidationPipe } from '@cloudflow/platform';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AsyncRequestBody } from './requests.dto';

const base = {
  type: 'payment',
  format: 'appflow',
  version: '2.1.2',
  requestId: '8a4c2f0e-5b1d-4c3e-9f7a-2d6b8e1c4a90',
  originatingRequestId: null,
  target: 'till-7',
  payload: { amounts: { baseAmount: 1250, currency: 'EUR' } },
};

describe('AsyncRequestBody.certainlyValid (the POST fast path) agrees with class-validator', () => {
  // [name, body, class-validator accepts it, the fast path is sure of it]
  const cases: Array<[string, Record<string, unknown>, boolean, boolean?]> = [
    ['a payment', base, true],
    ['a request', { ...base, type: 'request' }, true],
    ['an upper-case uuid', { ...base, requestId: base.requestId.toUpperCase() }, true],
    ['the nil uuid', { ...base, requestId: '00000000-0000-0000-0000-000000000000' }, true],
    ['a uuid of version 9', { ...base, requestId: '8a4c2f0e-5b1d-9c3e-9f7a-2d6b8e1c4a90' }, false],
    ['a requestId that is no uuid', { ...base, requestId: 'r-1' }, false],
    ['a numeric requestId', { ...base, requestId: 5 }, false],
    ['a reply type', { ...base, type: 'paymentResponse', originatingRequestId: 'r-0' }, false],
    ['no target', { ...base, target: undefined }, false],
    ['a 101-char target', { ...base, target: 'x'.repeat(101) }, false],
    ['an unknown field', { ...base, pan: '4111111111111111' }, false],
    ['an array payload', { ...base, payload: [] }, false],
    ['a spoofed source', { ...base, source: 'someone' }, true],
    ['a 33-char format', { ...base, format: 'f'.repeat(33) }, false],
    // Not ASCII: the fast path is not sure; class-validator decides (and accepts it).
    ['a unicode target', { ...base, target: 'kassa-ä' }, true, false],
    [
      'a __proto__ field',
      JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(base).slice(1)}`) as Record<string, unknown>,
      true,
      false,
    ],
  ];

  it.each(cases)('%s', async (_name, raw, valid, sure = valid) => {
    const plain = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
    const errors = validateSync(plainToInstance(AsyncRequestBody, plain), {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    expect(errors.length === 0).toBe(valid);
    expect(AsyncRequestBody.certainlyValid(plain)).toBe(sure);
    // Through the global pipe the verdict is class-validator's either way.
    const piped = await createValidationPipe()
      .transform(plain, { type: 'body', metatype: AsyncRequestBody })
      .then(
        (v: unknown) => v,
        (e: unknown) => e,
      );
    if (valid) {
      expect(piped).toBeInstanceOf(AsyncRequestBody);
      expect({ ...(piped as object) }).toEqual({ ...plainToInstance(AsyncRequestBody, plain) });
    } else {
      expect(piped).toBeInstanceOf(CloudFlowError);
      expect((piped as CloudFlowError).code).toBe(ErrorCode.invalidData);
    }
  });

  it('keeps the body as sent on the fast path (the payload is carried as is)', async () => {
    const plain = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
    const piped = (await createValidationPipe().transform(plain, {
      type: 'body',
      metatype: AsyncRequestBody,
    })) as AsyncRequestBody;
    expect(piped).toBeInstanceOf(AsyncRequestBody);
    expect({ ...piped }).toEqual(base);
  });

  it('names the field on the slow path, as before', async () => {
    const refused: unknown = await createValidationPipe()
      .transform({ ...base, requestId: 'r-1' }, { type: 'body', metatype: AsyncRequestBody })
      .catch((e: unknown) => e);
    expect((refused as CloudFlowError).message).toBe('Invalid data: requestId: must be a uuid');
  });
});
