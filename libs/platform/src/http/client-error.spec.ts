import { parserErrorResponse } from './client-error';

const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

describe('parserErrorResponse', () => {
  it('answers oversized headers with 431 and the contract body', () => {
    const raw = parserErrorResponse('HPE_HEADER_OVERFLOW');
    expect(raw.startsWith('HTTP/1.1 431 ')).toBe(true);
    expect(bodyOf(raw)).toEqual({
      errorCode: 'invalidData',
      errorMessage: 'Request header fields are too large',
    });
  });

  it('answers anything else the parser refused with 400 failed, with a correct Content-Length', () => {
    const raw = parserErrorResponse('HPE_INVALID_METHOD');
    expect(raw.startsWith('HTTP/1.1 400 ')).toBe(true);
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    expect(raw).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(bodyOf(raw)).toEqual({ errorCode: 'failed', errorMessage: 'Malformed HTTP request' });
  });
});
