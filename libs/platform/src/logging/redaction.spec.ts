import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { CENSOR, redactSecrets, redactText } from './redaction';

describe('log redaction', () => {
  it('censors every token-bearing field at any depth and in any case', () => {
    const input = {
      account: { accountId: 'pos-1', webhookSecret: 'whsec_1', apiToken: 'tok' },
      body: { refresh_token: 'r1', access_token: 'a1', sessionToken: 's1', password: 'p' },
      req: { headers: { Authorization: 'Bearer x', 'API-Key': 'cf_sbx_1', cookie: 'c', accept: 'json' } },
      list: [{ accessToken: 'jwt' }],
      keep: { name: 'Till 1', count: 3, missing: null },
    };
    const out = redactSecrets(input);
    expect(out).toEqual({
      account: { accountId: 'pos-1', webhookSecret: CENSOR, apiToken: CENSOR },
      body: { refresh_token: CENSOR, access_token: CENSOR, sessionToken: CENSOR, password: CENSOR },
      req: { headers: { Authorization: CENSOR, 'API-Key': CENSOR, cookie: CENSOR, accept: 'json' } },
      list: [{ accessToken: CENSOR }],
      keep: { name: 'Till 1', count: 3, missing: null },
    });
    // The caller's object is never changed, and untouched parts are shared.
    expect(input.account.webhookSecret).toBe('whsec_1');
    expect(out.keep).toBe(input.keep);
  });

  it('removes tokens from query strings', () => {
    expect(redactText('/ws?access_token=eyJhbGci.x.y&v=1')).toBe(`/ws?access_token=${CENSOR}&v=1`);
    expect(redactText('GET /ws?v=1&ACCESS_TOKEN=abc')).toBe(`GET /ws?v=1&ACCESS_TOKEN=${CENSOR}`);
    expect(redactText('no query here')).toBe('no query here');
  });

  it('reaches the written log line: fields, nested headers, URLs and the message', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) });
    const logger = createLogger('test', 'info', 'i1', sink);
    logger.info(
      {
        url: '/ws?access_token=secret-jwt',
        upstream: { headers: { authorization: 'Bearer abc' } },
        webhookSecret: 'whsec',
      },
      'upgrade /ws?access_token=secret-jwt',
    );
    const line = lines.join('');
    expect(line).not.toMatch(/secret-jwt|Bearer abc|whsec"/);
    expect(JSON.parse(line)).toMatchObject({
      url: `/ws?access_token=${CENSOR}`,
      webhookSecret: CENSOR,
      msg: `upgrade /ws?access_token=${CENSOR}`,
    });
  });
});
