import { randomBytes } from 'node:crypto';
import { AuthConfig } from '../auth.config';
import { AuthSecrets } from './auth-secrets.service';

function secretsWith(hashKey: string): AuthSecrets {
  return new AuthSecrets(Object.assign(new AuthConfig(), { AUTH_HASH_KEY: hashKey }));
}

describe('AuthSecrets', () => {
  const hashKey = randomBytes(32).toString('base64url');
  const secrets = secretsWith(hashKey);

  it('matches a token only against its own keyed hash', () => {
    const stored = secrets.hashToken('api-token');
    expect(stored).not.toContain('api-token');
    expect(secrets.tokenMatches('api-token', stored)).toBe(true);
    expect(secrets.tokenMatches('api-tokeN', stored)).toBe(false);
    expect(secrets.tokenMatches('api-token', undefined)).toBe(false);
    expect(secretsWith(randomBytes(32).toString('base64url')).tokenMatches('api-token', stored)).toBe(false);
  });

  it('seals a webhook secret so only the same key and row open it', () => {
    const box = secrets.sealWebhookSecret('whsec_abc', 'row-1');
    expect(box).not.toContain('whsec_abc');
    expect(secrets.sealWebhookSecret('whsec_abc', 'row-1')).not.toBe(box);
    expect(secrets.openWebhookSecret(box, 'row-1')).toBe('whsec_abc');
    expect(() => secrets.openWebhookSecret(box, 'row-2')).toThrow();
    expect(() =>
      secretsWith(randomBytes(32).toString('base64url')).openWebhookSecret(box, 'row-1'),
    ).toThrow();
  });

  it('keeps webhook secrets and signing-key wraps under different keys', () => {
    expect(() => secrets.unwrap(secrets.sealWebhookSecret('whsec_abc', 'x'), 'x')).toThrow();
    expect(() => secrets.openWebhookSecret(secrets.wrap('jwk', 'x'), 'x')).toThrow();
  });
});
