import { bodyHash, canonicalJson } from './request-body';

describe('request bodies', () => {
  it('hashes equal bodies equally whatever their key order, and different bodies differently', () => {
    const a = {
      type: 'payment',
      requestId: 'r1',
      payload: { amounts: { baseAmount: 1250, currency: 'EUR' }, id: 'x' },
    };
    const b = {
      payload: { id: 'x', amounts: { currency: 'EUR', baseAmount: 1250 } },
      requestId: 'r1',
      type: 'payment',
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(bodyHash(a)).toBe(bodyHash(b));
    expect(bodyHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(
      bodyHash({ ...a, payload: { ...a.payload, amounts: { baseAmount: 1251, currency: 'EUR' } } }),
    ).not.toBe(bodyHash(a));
    expect(bodyHash({ list: [1, 2] })).not.toBe(bodyHash({ list: [2, 1] }));
  });

  it('hashes the masked body, so the stored hash reveals nothing of a card number beyond its last four digits', () => {
    expect(bodyHash({ pan: '4111111111111111' })).toBe(bodyHash({ pan: '************1111' }));
    expect(bodyHash({ pan: '4111111111111111' })).not.toBe(bodyHash({ pan: '4111111111111112' }));
  });

  it('ignores undefined fields (absent and undefined are the same body)', () => {
    expect(bodyHash({ a: 1, b: undefined })).toBe(bodyHash({ a: 1 }));
  });
});
