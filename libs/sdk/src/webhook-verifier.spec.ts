import { createHmac } from 'node:crypto';
import { verifyWebhook } from './webhook-verifier';

const sign = (secret: string, t: number, body: string) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

describe('verifyWebhook', () => {
  const body = '{"type":"paymentResponse","requestId":"r1"}';
  const now = 1_800_000_000_000;
  const t = now / 1000;

  it('accepts the signature of the raw body under the secret, within 300 s', () => {
    expect(
      verifyWebhook({ secrets: 's1', header: `t=${t},v1=${sign('s1', t, body)}`, body, nowMs: now }),
    ).toEqual({ ok: true, timestamp: t });
    expect(
      verifyWebhook({
        secrets: 's1',
        header: `t=${t - 299},v1=${sign('s1', t - 299, body)}`,
        body,
        nowMs: now,
      }).ok,
    ).toBe(true);
  });

  it('refuses a changed body, a wrong secret, a stale or future timestamp, and malformed headers', () => {
    const header = `t=${t},v1=${sign('s1', t, body)}`;
    expect(verifyWebhook({ secrets: 's1', header, body: body.replace('r1', 'r2'), nowMs: now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhook({ secrets: 's2', header, body, nowMs: now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(
      verifyWebhook({
        secrets: 's1',
        header: `t=${t - 301},v1=${sign('s1', t - 301, body)}`,
        body,
        nowMs: now,
      }),
    ).toEqual({ ok: false, reason: 'stale' });
    expect(
      verifyWebhook({
        secrets: 's1',
        header: `t=${t + 301},v1=${sign('s1', t + 301, body)}`,
        body,
        nowMs: now,
      }),
    ).toEqual({ ok: false, reason: 'stale' });
    for (const bad of [
      `v1=${sign('s1', t, body)}`,
      `t=${t}`,
      `t=abc,v1=${sign('s1', t, body)}`,
      `t=${t},v1=zz`,
    ]) {
      expect(verifyWebhook({ secrets: 's1', header: bad, body, nowMs: now })).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
    expect(verifyWebhook({ secrets: 's1', header: undefined, body, nowMs: now })).toEqual({
      ok: false,
      reason: 'missing',
    });
  });

  it('during a secret rotation accepts either secret and either of two v1 signatures', () => {
    const dual = `t=${t},v1=${sign('new', t, body)},v1=${sign('old', t, body)}`;
    expect(verifyWebhook({ secrets: ['new'], header: dual, body, nowMs: now }).ok).toBe(true);
    expect(verifyWebhook({ secrets: ['old'], header: dual, body, nowMs: now }).ok).toBe(true);
    expect(
      verifyWebhook({
        secrets: ['new', 'old'],
        header: `t=${t},v1=${sign('old', t, body)}`,
        body,
        nowMs: now,
      }).ok,
    ).toBe(true);
    expect(verifyWebhook({ secrets: ['other'], header: dual, body, nowMs: now }).ok).toBe(false);
  });

  it('checks bytes, not re-serialised JSON', () => {
    const raw = Buffer.from('{"a": 1}');
    expect(
      verifyWebhook({ secrets: 's', header: `t=${t},v1=${sign('s', t, '{"a": 1}')}`, body: raw, nowMs: now })
        .ok,
    ).toBe(true);
    expect(
      verifyWebhook({
        secrets: 's',
        header: `t=${t},v1=${sign('s', t, '{"a": 1}')}`,
        body: '{"a":1}',
        nowMs: now,
      }).ok,
    ).toBe(false);
  });
});
