import type { INestApplication } from '@nestjs/common';
import { ClientNats } from '@nestjs/microservices';
import { ErrorCode, SUBJECTS, TOKEN_AUDIENCES } from '@cloudflow/contracts';
import { DatabaseService, natsConnectionOptions, RpcClient } from '@cloudflow/platform';
import {
  freePort,
  startNats,
  startPostgres,
  waitFor,
  type NatsHandle,
  type PostgresHandle,
} from '@cloudflow/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { randomBytes, randomUUID } from 'node:crypto';
import { bootstrap } from '../bootstrap';
import { SigningKeysService } from '../tokens/signing-keys.service';
import { GuessThrottle } from './guess-throttle.service';

/**
 * Issue 12 on a real Postgres: guess counters are one limit however many auth replicas count,
 * concurrent guesses cannot slip past it, and tokens are revocable and rotate with an overlap.
 */
describe('guessing and sessions across auth replicas (real Postgres)', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let apps: INestApplication[];
  let rpc: RpcClient;

  beforeAll(async () => {
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
    const env = {
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('auth_guessing'),
      AUTH_HASH_KEY: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'error',
      SIGNING_KEY_ROTATION_SECONDS: '10',
    };
    apps = [];
    for (let i = 0; i < 2; i++) {
      const app = await bootstrap({ ...env, PORT: String(await freePort()) });
      await app.get(DatabaseService).whenReady();
      apps.push(app);
    }
    rpc = new RpcClient(new ClientNats(natsConnectionOptions(nats.url, 'guessing-int-spec')), 10_000);
    await waitFor(
      'auth responders',
      () => rpc.send(SUBJECTS.auth.jwksGet, {}, 1000).then(() => true),
      20_000,
    );
  }, 120_000);

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await Promise.all((apps ?? []).map((a) => a.close()));
    await Promise.all([nats?.stop(), pg?.stop()]);
  });

  const throttle = (i: number) => apps[i].get(GuessThrottle);
  const wrong = async () => false;

  it('counts one identifier as one limit on two replicas: the 6th failure (free: 5) is refused wherever it lands', async () => {
    const email = `dana-${randomUUID()}@example.com`;
    for (let i = 0; i < 5; i++)
      await expect(throttle(i % 2).check('login:email', email, undefined, wrong)).resolves.toBe(false);
    for (const i of [0, 1]) {
      await expect(throttle(i).check('login:email', email, undefined, wrong)).rejects.toMatchObject({
        code: ErrorCode.tooManyRequests,
        retryAfterSeconds: 1,
      });
    }
  });

  it('lets no concurrent guess slip past the limit: 30 at once over two replicas reach the password check 5 times', async () => {
    const email = `race-${randomUUID()}@example.com`;
    let checked = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, k) =>
        throttle(k % 2).check('login:email', email, undefined, async () => {
          checked++;
          return false;
        }),
      ),
    );
    expect(checked).toBe(5);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(25);
  });

  it('grows the pause and locks at 10 failures; the right password is refused while locked', async () => {
    const who = `lock-${randomUUID()}`;
    const counters = apps[0].get(DatabaseService);
    let right = 0;
    for (let n = 0; n < 10; n++) {
      // Skip the pauses (they are the policy spec's business) by ageing the counter in the database.
      await counters.manager.query(
        `UPDATE auth.guess_counters SET last_at = last_at - interval '10 minutes'`,
      );
      await throttle(n % 2).check('reveal', who, undefined, wrong);
    }
    const locked = await throttle(1)
      .check('reveal', who, undefined, async () => ++right > 0)
      .catch((e: unknown) => e);
    expect(locked).toMatchObject({ code: ErrorCode.tooManyRequests });
    expect((locked as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(800);
    expect(right).toBe(0);
  });

  it('counts per client address across identifiers, and a right password clears its identifier', async () => {
    const address = `203.0.113.${Math.floor(Math.random() * 200)}`;
    for (let n = 0; n < 20; n++)
      await throttle(n % 2).check('login:email', `spray-${n}-${randomUUID()}`, address, wrong);
    await expect(
      throttle(0).check('login:email', `fresh-${randomUUID()}`, address, wrong),
    ).rejects.toMatchObject({ code: ErrorCode.tooManyRequests });
    const user = `ok-${randomUUID()}`;
    for (let n = 0; n < 4; n++) await throttle(n % 2).check('login:user', user, undefined, wrong);
    await expect(throttle(0).check('login:user', user, undefined, async () => true)).resolves.toBe(true);
    for (let n = 0; n < 5; n++)
      await expect(throttle(n % 2).check('login:user', user, undefined, wrong)).resolves.toBe(false);
  });

  it('limits sign-ups per address (free 3, then a pause) on both replicas', async () => {
    const address = '198.51.100.77';
    for (let n = 0; n < 3; n++) await throttle(n % 2).signup(address);
    await expect(throttle(1).signup(address)).rejects.toMatchObject({
      code: ErrorCode.tooManyRequests,
      retryAfterSeconds: 1,
    });
    await expect(throttle(0).signup('198.51.100.78')).resolves.toBeUndefined();
  });

  it('stores no email or address in clear', async () => {
    const rows: Array<{ key: string }> = await apps[0]
      .get(DatabaseService)
      .manager.query('SELECT key FROM auth.guess_counters');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => /@|203\.0\.113|198\.51/.test(r.key))).toBe(false);
  });

  it('refuses a logged-out portal session and access tokens from before a password change', async () => {
    const developerId = randomUUID();
    await rpc.send(SUBJECTS.auth.developerRegister, { developerId, password: 'portal-pass-1' });
    const session = await rpc.send(SUBJECTS.auth.developerLogin, {
      developerId,
      email: 'x@example.com',
      password: 'portal-pass-1',
    });
    const claims = decodeJwt(session.sessionToken);
    expect(decodeProtectedHeader(session.sessionToken).typ).toBe('portal-session+jwt');
    const status = { audience: TOKEN_AUDIENCES.portal, subject: developerId, jti: claims.jti! };
    expect(await rpc.send(SUBJECTS.auth.tokenStatus, status)).toEqual({ active: true });
    await rpc.send(SUBJECTS.auth.sessionRevoke, { developerId, jti: claims.jti!, expiresAt: claims.exp! });
    expect(await rpc.send(SUBJECTS.auth.tokenStatus, status)).toEqual({ active: false });

    const [userId, tenantId] = [randomUUID(), randomUUID()];
    await rpc.send(SUBJECTS.auth.userCredentialsSet, { userId, tenantId, password: 'user-pass-1' });
    const pair = await rpc.send(SUBJECTS.auth.tokenPassword, { userId, tenantId, password: 'user-pass-1' });
    const access = decodeJwt(pair.access_token);
    expect(pair.expires_in).toBe(900);
    expect(access.exp! - access.iat!).toBe(900);
    expect(decodeProtectedHeader(pair.access_token).typ).toBe('at+jwt');
    const accessStatus = {
      audience: TOKEN_AUDIENCES.admin,
      subject: userId,
      jti: access.jti!,
      generation: access.gen as number,
    };
    expect(await rpc.send(SUBJECTS.auth.tokenStatus, accessStatus)).toEqual({ active: true });
    await rpc.send(SUBJECTS.auth.userCredentialsSet, { userId, tenantId, password: 'user-pass-2' });
    expect(await rpc.send(SUBJECTS.auth.tokenStatus, accessStatus)).toEqual({ active: false });
    const fresh = decodeJwt(
      (await rpc.send(SUBJECTS.auth.tokenPassword, { userId, tenantId, password: 'user-pass-2' }))
        .access_token,
    );
    expect(
      await rpc.send(SUBJECTS.auth.tokenStatus, {
        ...accessStatus,
        jti: fresh.jti!,
        generation: fresh.gen as number,
      }),
    ).toEqual({ active: true });
  });

  it('rotates the signing key on schedule on one replica only; the old kid stays published (overlap)', async () => {
    const firstKid = (await apps[0].get(SigningKeysService).signer()).kid;
    await waitFor(
      'a rotation',
      async () => ((await apps[1].get(SigningKeysService).signer()).kid !== firstKid ? true : undefined),
      30_000,
      250,
    );
    const jwks = await rpc.send(SUBJECTS.auth.jwksGet, {});
    expect(jwks.keys.map((k) => k.kid)).toContain(firstKid);
    const active: Array<{ n: number }> = await apps[0]
      .get(DatabaseService)
      .manager.query('SELECT count(*)::int AS n FROM auth.signing_keys WHERE active');
    expect(active[0].n).toBe(1);
    const keep = apps[0].get(SigningKeysService).keepRetiredSeconds;
    // A key is kept for the longest token lifetime (portal session, 12 h by default) plus slack.
    expect(keep).toBeGreaterThan(43_200);
  }, 40_000);
});
