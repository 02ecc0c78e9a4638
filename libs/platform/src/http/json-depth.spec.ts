import { MAX_BODY_DEPTH, rejectDeepJson } from './json-depth';

const check = (text: string) => () => rejectDeepJson(undefined, undefined, Buffer.from(text));

describe('rejectDeepJson (body-parser verify)', () => {
  it(`accepts ${MAX_BODY_DEPTH} levels and refuses one more, arrays and objects alike`, () => {
    expect(check(`${'['.repeat(MAX_BODY_DEPTH)}1${']'.repeat(MAX_BODY_DEPTH)}`)).not.toThrow();
    expect(check(`${'['.repeat(MAX_BODY_DEPTH + 1)}1${']'.repeat(MAX_BODY_DEPTH + 1)}`)).toThrow(
      expect.objectContaining({ type: 'entity.too.deep' }) as Error,
    );
    expect(check(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`)).toThrow(/deeper than 32 levels/);
  });

  it('counts only brackets outside strings (escaped quotes included), and siblings do not add up', () => {
    expect(check(JSON.stringify({ s: '['.repeat(1000), t: 'a\\"[[[[' }))).not.toThrow();
    expect(check(JSON.stringify(Array.from({ length: 500 }, () => [[{}]])))).not.toThrow();
  });
});
