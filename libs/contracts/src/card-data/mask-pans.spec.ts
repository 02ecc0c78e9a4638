import { isSensitiveAuthField, luhnValid, maskPans } from './mask-pans';

describe('maskPans', () => {
  it('masks runs of 13 or more digits to their last four, in strings (also grouped) and numbers, at any depth', () => {
    const masked = maskPans({
      pan: '4111111111111111',
      grouped: 'card 4111 1111 1111 1111 ok',
      dashed: '5500-0000-0000-0004',
      nested: [{ note: 'X;4000056655665556=2512' }],
      asNumber: 4242424242424242,
      short: '123456789012',
      tooLong: '12345678901234567890',
      amount: 1250,
    });
    expect(masked).toEqual({
      pan: '************1111',
      grouped: 'card ************1111 ok',
      dashed: '************0004',
      nested: [{ note: 'X;************5556=2512' }],
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

  it('masks Luhn-valid 13–19 digit runs whatever surrounds them: track 2, TLV hex, a label glued on', () => {
    const masked = maskPans({
      track2: ';4111111111111111D25121010000000000?',
      tlv: '5A0841111111111111115F24032512319F02',
      glued: 'pan4111111111111111',
      glued2: 'x5500000000000004y',
    });
    for (const v of Object.values(masked)) expect(hasClearPan(v)).toBe(false);
    expect(masked.glued).toBe('pan************1111');
    expect(masked.glued2).toBe('x************0004y');
  });

  it('leaves non-Luhn digit runs inside other text, and short ones, as they are', () => {
    const value = { hexId: 'ab1234567890123c', ref: 'order1234567890124x', short: 'a411111111111b' };
    expect(luhnValid('1234567890124')).toBe(false);
    expect(maskPans(value)).toEqual(value);
  });
});

/** A Luhn-valid 13–19 digit window anywhere (what the fault campaign's I7 checker looks for). */
function hasClearPan(text: string): boolean {
  for (const run of text.match(/\d{13,}/g) ?? []) {
    for (let len = 13; len <= 19; len++)
      for (let s = 0; s + len <= run.length; s++) if (luhnValid(run.slice(s, s + len))) return true;
  }
  return false;
}

describe('maskPans and sensitive authentication data', () => {
  it('drops CVV/CVC, track data and PIN blocks by name, at any depth and in any spelling', () => {
    const masked = maskPans({
      amount: 1250,
      card: {
        cvv: '123',
        CVC2: 456,
        'security-code': '789',
        track2: ';4111111111111111=2512?',
        Track_1: 'B4111…',
        pinBlock: '0412AC89FFFFFFFF',
        expiry: '12/25',
      },
      emv: [{ tag57: '4111111111111111D2512', encryptedPin: 'ab12' }],
      pin: '1234',
    });
    expect(masked).toEqual({ amount: 1250, card: { expiry: '12/25' }, emv: [{}] });
    expect(isSensitiveAuthField('CVV_2')).toBe(true);
    expect(isSensitiveAuthField('pinpad')).toBe(false);
    expect(isSensitiveAuthField('trackingId')).toBe(false);
  });

  it('drops them inside JSON text too (a dead letter, a log line), keeping the text parseable', () => {
    const raw =
      '{"payload":{"cvv":"123","pinBlock":"0412AC89FFFFFFFF","track2":{"data":"x"},"amount":5,"opaque":"cvv"}}';
    const masked = maskPans(raw);
    expect(JSON.parse(masked)).toEqual({
      payload: { cvv: '[removed]', pinBlock: '[removed]', track2: '[removed]', amount: 5, opaque: 'cvv' },
    });
  });

  it('keeps a __proto__ member a member (no prototype change) and leaves other names alone', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"pinned":true,"trackingNumber":"AB12"}') as Record<
      string,
      unknown
    >;
    const masked = maskPans(value);
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
    expect(Object.keys(masked)).toEqual(['__proto__', 'pinned', 'trackingNumber']);
  });
});
