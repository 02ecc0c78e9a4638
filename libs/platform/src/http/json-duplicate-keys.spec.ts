import { duplicateJsonKey } from './json-duplicate-keys';

describe('duplicateJsonKey', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{"payload":{"amounts":{"baseAmount":1,"baseAmount":2}}}', 'payload.amounts.baseAmount'],
    ['{"items":[{"id":1,"id":2}]}', 'items.id'],
    [' { "x" : "a,\\"b" , "x" : 3 } ', 'x'],
  ])('finds the repeated key in %s', (text, path) => expect(duplicateJsonKey(text)).toBe(path));

  it.each([
    '{"a":1,"b":{"a":2}}',
    '[{"a":1},{"a":2}]',
    '{"a":"{\\"a\\":1,\\"a\\":2}"}',
    '{"a":["a","a"],"b":"a"}',
    '{}',
    '"a"',
    'not json {"a":1',
  ])('accepts %s', (text) => expect(duplicateJsonKey(text)).toBeUndefined());
});
