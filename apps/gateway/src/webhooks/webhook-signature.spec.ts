import 'reflect-metadata';
import { verifySignature } from '@cloudflow/testing';
import { signatureHeader, signingSecrets } from './webhook-signature';

describe('webhook signature (CONTRACT.md §8)', () => {
  const body = '{"type":"flowEvent","requestId":"r-1"}';

  it('matches a vector computed independently (openssl dgst -sha256 -hmac)', () => {
    expect(signatureHeader('whsec_test_secret', body, 1700000000)).toBe(
      't=1700000000,v1=e9ac86a08d6f4fd3b77e3266fc4ad8bc29e32f829257199601b949922970a918',
    );
  });

  it('uses whole unix seconds', () => {
    expect(signatureHeader('s', body, 1700000000.987)).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  it('is verified by the test receiver, and not with another secret or a changed body', () => {
    const header = signatureHeader('whsec_a', body, 1700000001);
    expect(verifySignature('whsec_a', header, body)).toBe(true);
    expect(verifySignature('whsec_b', header, body)).toBe(false);
    expect(verifySignature('whsec_a', header, body.replace('r-1', 'r-2'))).toBe(false);
  });

  describe('during a rotation overlap (issue 14)', () => {
    const t = 1700000002;
    const target = { url: null, secret: 'whsec_new', previous: { secret: 'whsec_old', expiresAtMs: 2_000 } };

    it('carries one v1= per secret, the new one first, each the single-secret signature', () => {
      const header = signatureHeader(['whsec_new', 'whsec_old'], body, t);
      const single = (secret: string) => signatureHeader(secret, body, t).split(',')[1];
      expect(header).toBe(`t=${t},${single('whsec_new')},${single('whsec_old')}`);
    });

    it('signs with both secrets before the overlap ends and with the new one only from then on', () => {
      expect(signingSecrets(target, 1_999)).toEqual(['whsec_new', 'whsec_old']);
      expect(signingSecrets(target, 2_000)).toEqual(['whsec_new']);
      expect(signingSecrets({ url: null, secret: 'whsec_new' }, 0)).toEqual(['whsec_new']);
    });

    it('is accepted by the test receiver with either secret, not with a third (the SDK verifier: its own spec)', () => {
      const header = signatureHeader(['whsec_new', 'whsec_old'], body, t);
      expect(verifySignature('whsec_new', header, body)).toBe(true);
      expect(verifySignature('whsec_old', header, body)).toBe(true);
      expect(verifySignature('whsec_other', header, body)).toBe(false);
    });
  });
});
