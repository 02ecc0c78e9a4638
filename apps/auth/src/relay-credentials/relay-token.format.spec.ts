import { generateApiToken, generateWebhookSecret } from './relay-token.format';

describe('relay token formats', () => {
  it('makes API tokens of 32 random bytes in base64url', () => {
    const token = generateApiToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(generateApiToken()).not.toBe(token);
  });

  it('makes webhook secrets marked whsec_ with 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64url')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});
