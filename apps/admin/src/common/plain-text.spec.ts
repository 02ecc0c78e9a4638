import { PLAIN_TEXT, USERNAME } from './plain-text';

describe('plain text and usernames (issue 12, item 9)', () => {
  it.each(['Till 1', 'Café Ørsted', 'محمد', 'می‌خواهم', '👩‍💻 Dev', "O'Brien"])('accepts the name %j', (name) =>
    expect(PLAIN_TEXT.test(name)).toBe(true),
  );

  it.each([
    ' lead',
    'trail ',
    'nul\u0000',
    'bell\u0007',
    'line\nbreak',
    'admin\u202Enimda',
    'iso\u2066late\u2069',
    'mark\u200F',
    'sep\u2028x',
    '\uFEFFbom',
  ])('refuses the name %j', (name) => expect(PLAIN_TEXT.test(name)).toBe(false));

  it.each(['ada', 'ada.lovelace@x', 'Ümit'])('accepts the username %j', (u) =>
    expect(USERNAME.test(u)).toBe(true),
  );

  it.each(['two words', 'tab\t', 'admin\u202E', 'ctl\u001b[31m', '\u2067x'])('refuses the username %j', (u) =>
    expect(USERNAME.test(u)).toBe(false),
  );
});
