import { TOKEN_ISSUER } from '@cloudflow/contracts';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { TokenSigner } from './token.signer';

describe('TokenSigner', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = new TokenSigner('kid-1', privateKey);

  it('signs an EdDSA JWT with kid, iss, aud, sub, iat, exp, jti and extra claims', async () => {
    const { token, jti, expiresAt } = await signer.sign({
      audience: 'aud-x',
      subject: 'user-1',
      ttlSeconds: 60,
      claims: { tid: 't-1' },
    });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: 'kid-1' });
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: TOKEN_ISSUER,
      audience: 'aud-x',
      algorithms: ['EdDSA'],
    });
    expect(payload).toMatchObject({ sub: 'user-1', tid: 't-1', jti });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(expiresAt.getTime()).toBe(payload.exp! * 1000);
  });

  it('does not let extra claims override the registered ones', async () => {
    const { token } = await signer.sign({
      audience: 'aud-x',
      subject: 'user-1',
      ttlSeconds: 60,
      claims: { sub: 'evil', iss: 'evil' },
    });
    const { payload } = await jwtVerify(token, publicKey, { issuer: TOKEN_ISSUER, audience: 'aud-x' });
    expect(payload.sub).toBe('user-1');
  });

  it('produces a token another key does not verify', async () => {
    const { token } = await signer.sign({ audience: 'aud-x', subject: 'user-1', ttlSeconds: 60 });
    const other = generateKeyPairSync('ed25519').publicKey;
    await expect(jwtVerify(token, other, { issuer: TOKEN_ISSUER, audience: 'aud-x' })).rejects.toThrow();
  });
});
