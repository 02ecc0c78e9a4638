import { CloudFlowError, ErrorCode, VerifyAccountRequest, VerifyDeviceRequest } from '@cloudflow/contracts';
import { BEARER_INVALID_MESSAGE, parseBearer } from './bearer.parser';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const bearer = (value: unknown) => `Bearer ${b64(JSON.stringify(value))}`;

function rejection(header: string | string[] | undefined, cls: new () => object = VerifyAccountRequest) {
  try {
    parseBearer(header, cls);
  } catch (error) {
    expect(error).toBeInstanceOf(CloudFlowError);
    return (error as CloudFlowError).toBody();
  }
  throw new Error(`accepted ${String(header)}`);
}

describe('parseBearer', () => {
  it('decodes a Client API bearer into the contracts class, keeping the token for the cache key', () => {
    const header = bearer({ accountId: 'pos-1', apiToken: 'secret-token' });
    const parsed = parseBearer(header, VerifyAccountRequest);
    expect(parsed.credential).toBeInstanceOf(VerifyAccountRequest);
    expect({ ...parsed.credential }).toEqual({ accountId: 'pos-1', apiToken: 'secret-token' });
    expect(parsed.token).toBe(header.slice('Bearer '.length));
  });

  it('accepts a lower-case scheme and URL-safe base64 without padding', () => {
    const token = Buffer.from(JSON.stringify({ accountId: 'pos-~~~?', apiToken: 't>>>' })).toString(
      'base64url',
    );
    expect(token).toMatch(/[-_]/);
    expect(parseBearer(`bearer ${token}`, VerifyAccountRequest).credential.accountId).toBe('pos-~~~?');
  });

  it('decodes a Device API bearer and drops unknown fields instead of forwarding them', () => {
    const parsed = parseBearer(
      bearer({ model: 'A920', serialNumber: 'SN1', apiToken: 't', tenantId: 'someone-else' }),
      VerifyDeviceRequest,
    );
    expect({ ...parsed.credential }).toEqual({ model: 'A920', serialNumber: 'SN1', apiToken: 't' });
  });

  it.each([
    ['no header', undefined],
    ['empty', ''],
    ['another scheme', `Basic ${b64('{"accountId":"a","apiToken":"t"}')}`],
    ['no token', 'Bearer '],
    ['garbage characters', 'Bearer !!!not-base64!!!'],
    ['base64 of binary', `Bearer ${Buffer.from([0xff, 0xfe, 0x00, 0x12]).toString('base64')}`],
    ['base64 of bad JSON', `Bearer ${b64('{"accountId": "a",')}`],
    ['JSON array', bearer(['a', 't'])],
    ['JSON string', bearer('accountId')],
    ['JSON null', bearer(null)],
    ['missing apiToken', bearer({ accountId: 'a' })],
    ['numeric accountId', bearer({ accountId: 42, apiToken: 't' })],
    ['empty apiToken', bearer({ accountId: 'a', apiToken: '' })],
    ['oversized', `Bearer ${'A'.repeat(4000)}`],
    ['two tokens', `Bearer ${b64('{}')} ${b64('{}')}`],
  ])('refuses %s with the one 401', (_name, header) => {
    expect(rejection(header)).toEqual({
      errorCode: ErrorCode.unauthorized,
      errorMessage: BEARER_INVALID_MESSAGE,
    });
  });

  it('refuses a client credential presented to the Device API', () => {
    expect(rejection(bearer({ accountId: 'a', apiToken: 't' }), VerifyDeviceRequest).errorCode).toBe(
      ErrorCode.unauthorized,
    );
  });
});
