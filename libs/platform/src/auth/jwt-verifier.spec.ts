import { ErrorCode, TOKEN_AUDIENCES, TOKEN_ISSUER, type Jwks } from '@cloudflow/contracts';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { createHmac, randomUUID } from 'node:crypto';
import { JwtVerifier } from './jwt-verifier';

const b64url = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('JwtVerifier', () => {
  let privateKey: KeyLike;
  let jwks: Jwks;
  let loads: number;
  let verifier: JwtVerifier;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    privateKey = pair.privateKey;
    jwks = {
      keys: [
        {
          ...((await exportJWK(pair.publicKey)) as unknown as Record<string, string>),
          kid: 'k1',
          alg: 'EdDSA',
          use: 'sig',
        },
      ],
    };
  });

  beforeEach(() => {
    loads = 0;
    verifier = new JwtVerifier(async () => {
      loads++;
      return jwks;
    });
  });

  const sign = (
    claims: Record<string, unknown> = {},
    key: KeyLike = privateKey,
    kid: string | undefined = 'k1',
    typ = 'at+jwt',
  ) =>
    new SignJWT({ tid: 't1', ...claims })
      .setProtectedHeader({ alg: 'EdDSA', ...(kid ? { kid } : {}), typ })
      .setJti(randomUUID())
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCES.admin)
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);

  it('accepts a token auth signed for this audience and returns its claims', async () => {
    const payload = await verifier.verify(await sign(), TOKEN_AUDIENCES.admin);
    expect(payload.sub).toBe('user-1');
    expect(payload.tid).toBe('t1');
    expect(loads).toBe(1);
    await verifier.verify(await sign(), TOKEN_AUDIENCES.admin);
    expect(loads).toBe(1); // the key set is cached: no round trip per token
  });

  it('refuses alg none', async () => {
    const unsigned = `${b64url({ alg: 'none', kid: 'k1' })}.${b64url({ sub: 'user-1', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCES.admin, iat: now(), exp: now() + 60 })}.`;
    await expect(verifier.verify(unsigned, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
  });

  it('refuses a token signed by another key under the same kid', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    await expect(
      verifier.verify(await sign({}, other.privateKey), TOKEN_AUDIENCES.admin),
    ).rejects.toMatchObject({ code: ErrorCode.unauthorized });
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const header = b64url({ alg: 'HS256', kid: 'k1' });
    const body = b64url({
      sub: 'user-1',
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCES.admin,
      iat: now(),
      exp: now() + 60,
    });
    for (const secret of [jwks.keys[0].x, JSON.stringify(jwks.keys[0])]) {
      const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
      await expect(verifier.verify(`${header}.${body}.${sig}`, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
        code: ErrorCode.unauthorized,
      });
    }
  });

  it('refuses RS256 even when its key is offered under the trusted kid', async () => {
    const rsa = await generateKeyPair('RS256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCES.admin)
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(rsa.privateKey);
    await expect(verifier.verify(token, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
  });

  it('refuses an expired token with a clear message', async () => {
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
      .setJti(randomUUID())
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCES.admin)
      .setSubject('u')
      .setIssuedAt(now() - 7200)
      .setExpirationTime(now() - 3600)
      .sign(privateKey);
    await expect(verifier.verify(expired, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
      message: 'Token has expired',
    });
  });

  it('refuses a token for another audience or issuer', async () => {
    await expect(verifier.verify(await sign(), TOKEN_AUDIENCES.portal)).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setIssuer('someone-else')
      .setAudience(TOKEN_AUDIENCES.admin)
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(verifier.verify(foreign, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
  });

  it('refuses garbage and oversized input without throwing anything but unauthorized', async () => {
    for (const bad of ['', 'abc', 'a.b.c', 'x'.repeat(5000)]) {
      await expect(verifier.verify(bad, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
        code: ErrorCode.unauthorized,
      });
    }
  });

  it('reloads the key set once when a new kid appears (key rotation)', async () => {
    await verifier.verify(await sign(), TOKEN_AUDIENCES.admin);
    const rotated = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const before = jwks;
    jwks = {
      keys: [
        ...before.keys,
        {
          ...((await exportJWK(rotated.publicKey)) as unknown as Record<string, string>),
          kid: 'k2',
          alg: 'EdDSA',
        },
      ],
    };
    try {
      const payload = await verifier.verify(await sign({}, rotated.privateKey, 'k2'), TOKEN_AUDIENCES.admin);
      expect(payload.sub).toBe('user-1');
      expect(loads).toBe(2);
    } finally {
      jwks = before;
    }
  });

  it('right after a made-up kid forced a refresh, a token of a key just rotated in still verifies (it waits for the next refresh)', async () => {
    await verifier.verify(await sign(), TOKEN_AUDIENCES.admin);
    await expect(
      verifier.verify(await sign({}, privateKey, 'made-up'), TOKEN_AUDIENCES.admin),
    ).rejects.toMatchObject({ code: ErrorCode.unauthorized });
    const rotated = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const before = jwks;
    jwks = {
      keys: [
        ...before.keys,
        {
          ...((await exportJWK(rotated.publicKey)) as unknown as Record<string, string>),
          kid: 'k3',
          alg: 'EdDSA',
        },
      ],
    };
    try {
      const loadsBefore = loads;
      const payload = await verifier.verify(await sign({}, rotated.privateKey, 'k3'), TOKEN_AUDIENCES.admin);
      expect(payload.sub).toBe('user-1');
      expect(loads).toBe(loadsBefore + 1);
    } finally {
      jwks = before;
    }
  });

  it('checks typ (RFC 8725 §3.11): a token of another kind with the right audience is refused', async () => {
    await expect(
      verifier.verify(await sign({}, privateKey, 'k1', 'JWT'), TOKEN_AUDIENCES.admin),
    ).rejects.toMatchObject({ code: ErrorCode.unauthorized });
    await expect(
      verifier.verify(await sign({}, privateKey, 'k1', 'portal-session+jwt'), TOKEN_AUDIENCES.admin),
    ).rejects.toMatchObject({ code: ErrorCode.unauthorized });
  });

  it('refuses a token without kid (during a rotation several keys are published)', async () => {
    await expect(
      verifier.verify(await sign({}, privateKey, ''), TOKEN_AUDIENCES.admin),
    ).rejects.toMatchObject({ code: ErrorCode.unauthorized });
  });

  it('drops a key auth no longer publishes once the key set is older than maxKeySetAgeMs', async () => {
    let clock = 1_000_000;
    const rotated = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const k2 = {
      ...((await exportJWK(rotated.publicKey)) as unknown as Record<string, string>),
      kid: 'k2',
      alg: 'EdDSA',
    };
    let published: Jwks = { keys: [...jwks.keys, k2] };
    const aging = new JwtVerifier(async () => published, { maxKeySetAgeMs: 60_000, now: () => clock });
    const oldKidToken = await sign();
    await aging.verify(oldKidToken, TOKEN_AUDIENCES.admin); // overlap: the old kid still verifies
    await aging.verify(await sign({}, rotated.privateKey, 'k2'), TOKEN_AUDIENCES.admin);
    published = { keys: [k2] }; // auth deleted k1
    clock += 61_000;
    await aging.verify(await sign({}, rotated.privateKey, 'k2'), TOKEN_AUDIENCES.admin); // triggers the background refresh
    await new Promise((r) => setImmediate(r));
    await expect(aging.verify(oldKidToken, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
    });
  });

  it('asks auth whether an admin or portal token is still active, believes a yes for statusCacheMs, and refuses a no', async () => {
    let clock = 5_000_000;
    const answers: boolean[] = [];
    const asked: unknown[] = [];
    const checked = new JwtVerifier(async () => jwks, {
      now: () => clock,
      statusCacheMs: 5000,
      tokenStatus: async (request) => {
        asked.push(request);
        return { active: answers.shift() ?? true };
      },
    });
    const token = await sign({ gen: 3 });
    answers.push(true);
    await checked.verify(token, TOKEN_AUDIENCES.admin);
    await checked.verify(token, TOKEN_AUDIENCES.admin);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ audience: TOKEN_AUDIENCES.admin, subject: 'user-1', generation: 3 });
    clock += 5001;
    answers.push(false);
    await expect(checked.verify(token, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
      code: ErrorCode.unauthorized,
      message: 'Token has been revoked',
    });
    expect(asked).toHaveLength(2);
  });
});
