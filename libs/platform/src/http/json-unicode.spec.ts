import { ErrorCode } from '@cloudflow/contracts';
import { wellFormedText } from './json-unicode';

/** What `fn` threw (undefined when it returned), for matching the error's fields. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('wellFormedText', () => {
  it('passes well-formed UTF-8 through, pairs and escapes included', () => {
    for (const text of ['{"name":"Zoë 😀"}', '{"e":"\\ud83d\\ude00"}', '{"a":"\\\\ud800"}', '[1,2]'])
      expect(wellFormedText(Buffer.from(text))).toBe(text);
  });

  it.each([
    ['an unpaired high surrogate', '{"name":"\\ud800"}'],
    ['an unpaired low surrogate', '{"name":"x \\udfff"}'],
    ['a high surrogate at the end', '{"name":"a\\ud83d"}'],
    ['one in a key', '{"\\ud800":1}'],
    ['one deep inside', '{"a":[{"b":"\\uDC00"}]}'],
  ])('refuses %s with 422', (_what, text) => {
    expect(thrownBy(() => wellFormedText(Buffer.from(text)))).toMatchObject({
      code: ErrorCode.invalidData,
      message: expect.stringContaining('surrogate') as unknown,
    });
  });

  it('refuses bytes that are not UTF-8 (a CESU-8 surrogate, 0xFF) instead of replacing them', () => {
    for (const bytes of [[0xed, 0xa0, 0x80], [0xff]]) {
      const buf = Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from('"}')]);
      expect(thrownBy(() => wellFormedText(buf))).toMatchObject({
        code: ErrorCode.invalidData,
        message: expect.stringContaining('UTF-8') as unknown,
      });
    }
  });

  it('leaves text that is not JSON to the parser', () => {
    expect(wellFormedText(Buffer.from('{"a":"\\ud800'))).toBe('{"a":"\\ud800');
  });
});
