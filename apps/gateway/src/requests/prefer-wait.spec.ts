import { preferredWait } from './prefer-wait';

describe('preferredWait (RFC 7240 wait)', () => {
  it.each([
    ['wait=10', 10],
    ['respond-async, wait=5', 5],
    ['WAIT = "7"', 7],
    ['wait=30; foo=bar', 30],
    ['wait=600', 60],
    [['handling=lenient', 'wait=3'], 3],
  ])('reads %j as %s s', (header, seconds) => {
    expect(preferredWait(header)).toBe(seconds);
  });

  it.each([
    [undefined],
    [''],
    ['respond-async'],
    ['wait=0'],
    ['wait=abc'],
    ['wait=-1'],
    ['wait=1.5'],
    ['waiting=3'],
  ])('ignores %j', (header) => {
    expect(preferredWait(header)).toBeUndefined();
  });
});
