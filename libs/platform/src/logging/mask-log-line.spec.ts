import { Writable } from 'node:stream';
import pino from 'pino';
import { maskLogLine } from './mask-log-line';

describe('maskLogLine (pino streamWrite hook)', () => {
  it('masks PANs in any field or message, drops CVV/track/PIN fields, and keeps the line JSON', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const log = pino({ hooks: { streamWrite: maskLogLine } }, sink);
    log.info(
      {
        payload: {
          pan: '4111111111111111',
          tlv: '5A0841111111111111115F24',
          cvv: '123',
          track2: '4111111111111111D2512',
        },
        n: 5555555555554444,
      },
      'card pan4111111111111111 seen',
    );
    log.info({ requestId: '8a4c2f0e-5b1d-4c3e-9f7a-2d6b8e1c4a90' }, 'plain');
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(first.payload).toEqual({ pan: '************1111', tlv: '5A08************11115F24' });
    expect(first.n).toBe('************4444');
    expect(first.msg).toBe('card pan************1111 seen');
    expect(lines.join('')).not.toMatch(/4111111111111111|5555555555554444|"cvv"|"track2"/);
    expect(lines[1]).toContain('8a4c2f0e-5b1d-4c3e-9f7a-2d6b8e1c4a90');
  });

  it('returns a line with nothing to mask unchanged (the same string)', () => {
    const line = '{"level":30,"msg":"ready","port":8080}\n';
    expect(maskLogLine(line)).toBe(line);
  });
});
