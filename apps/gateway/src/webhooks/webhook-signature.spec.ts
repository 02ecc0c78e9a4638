import 'reflect-metadata';
import { verifySignature } from '@cloudflow/testing';
import { signatureHeader } from './webhook-signature';

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
});
