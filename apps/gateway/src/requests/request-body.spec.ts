import { bodyHash, canonicalJson, maskPans } from './request-body';

describe('request bodies', () => {
  it('hashes equal bodies equally whatever their key order, and different bodies differently', () => {
    const a = { type: 'payment', requestId: 'r1', payload: { amounts: { baseAmount: 1250, currency: 'EUR' }, id: 'x' } };
    const b = { payload: { id: 'x', amounts: { currency: 'EUR', baseAmount: 1250 } }, requestId: 'r1', type: 'payment' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(bodyHash(a)).toBe(bodyHash(b));
    expect(bodyHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(bodyHash({ ...a, payload: { ...a.payload, amounts: { baseAmount: 1251, currency: 'EUR' } } })).not.toBe(bodyHash(a));
    expect(bodyHash({ list: [1, 2] })).not.toBe(bodyHash({ list: [2, 1] }));
  });

  it('hashes the masked body, so the stored hash reveals nothing of a card number beyond its last four digits', () => {
    expect(bodyHash({ pan: '4111111111111111' })).toBe(bodyHash({ pan: '************1111' }));
    expect(bodyHash({ pan: '4111111111111111' })).not.toBe(bodyHash({ pan: '4111111111111112' }));
  });

  it('ignores undefined fields (absent and undefined are the same body)', () => {
    expect(bodyHash({ a: 1, b: undefined })).toBe(bodyHash({ a: 1 }));
  });

  it('masks runs of 13 or more digits to their last four, in strings (also grouped) and numbers, at any depth', () => {
    const masked = maskPans({
      pan: '4111111111111111',
      grouped: 'card 4111 1111 1111 1111 ok',
      dashed: '5500-0000-0000-0004',
      nested: [{ track: 'X;4000056655665556=2512' }],
      asNumber: 4242424242424242,
      short: '123456789012',
      tooLong: '12345678901234567890',
      amount: 1250,
    });
    expect(masked).toEqual({
      pan: '************1111',
      grouped: 'card ************1111 ok',
      dashed: '************0004',
      nested: [{ track: 'X;************5556=2512' }],
      asNumber: '************4242',
      short: '123456789012',
      tooLong: '****************7890',
      amount: 1250,
    });
  });

  it('leaves uuids (even all-decimal ones, or with long decimal groups) and ISO times alone', () => {
    const value = {
      requestId: '8a4c2f0e-5b1d-4c3e-9f7a-2d6b8e1c4a90',
      digitGroups: '40955221-8393-4431-a5b2-0c4e8f2d1b7e',
      middle: 'e4d1c2b3-1234-5678-9012-345678901234',
      allDecimal: '12345678-1234-4234-8234-123456789012',
      text: 'ref 8a4c1234-5678-9012-3456-789012345678 done',
      at: '2025-11-23T09:41:07.120Z',
    };
    expect(maskPans(value)).toEqual(value);
  });
});
