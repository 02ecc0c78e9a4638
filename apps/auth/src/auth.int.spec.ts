import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { ClientNats } from '@nestjs/microservices';
import {
  EVENTS,
  SUBJECTS,
  TOKEN_AUDIENCES,
  type EventMap,
  type EventSubject,
  type RpcRequest,
  type RpcSubject,
} from '@cloudflow/contracts';
import { DatabaseService, JwtVerifier, natsConnectionOptions, RpcClient } from '@cloudflow/platform';
import {
  freePort,
  http,
  startNats,
  startPostgres,
  startService,
  waitFor,
  type NatsHandle,
  type PostgresHandle,
} from '@cloudflow/testing';
import { decodeProtectedHeader } from 'jose';
import { connect, JSONCodec, type NatsConnection } from 'nats';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from './bootstrap';
import { SigningKeysService } from './tokens/signing-keys.service';

jest.setTimeout(30_000);

/** Fan-out events seen by a plain NATS subscriber, as any other replica would see them. */
class EventLog {
  readonly seen: Array<{ subject: string; data: unknown }> = [];
  constructor(nc: NatsConnection) {
    const codec = JSONCodec();
    for (const subject of Object.values(EVENTS)) {
      nc.subscribe(subject, { callback: (_e, m) => this.seen.push({ subject, data: codec.decode(m.data) }) });
    }
  }
  waitFor<E extends EventSubject>(subject: E, match: (event: EventMap[E]) => boolean = () => true) {
    return waitFor(
      `${subject}`,
      async () =>
        this.seen.some((e) => e.subject === subject && match(e.data as EventMap[E])) ? true : undefined,
      5000,
      20,
    );
  }
}

interface AuthUnderTest {
  app: INestApplication;
  db: DatabaseService;
}

async function startAuth(env: Record<string, string>): Promise<AuthUnderTest> {
  const app = await bootstrap({ ...env, PORT: String(await freePort()), LOG_LEVEL: 'error' });
  const db = app.get(DatabaseService);
  await db.whenReady();
  return { app, db };
}

describe('auth service over real NATS and Postgres', () => {
  let nats: NatsHandle;
  let pg: PostgresHandle;
  let env: Record<string, string>;
  let auth: AuthUnderTest;
  let rpc: RpcClient;
  let nc: NatsConnection;
  let events: EventLog;
  let verifier: JwtVerifier;

  const send = <S extends RpcSubject>(subject: S, request: RpcRequest<S>) => rpc.send(subject, request);

  beforeAll(async () => {
    [nats, pg] = await Promise.all([startNats(), startPostgres()]);
    env = {
      NATS_URL: nats.url,
      DATABASE_URL: await pg.createDatabase('auth_int'),
      AUTH_HASH_KEY: randomBytes(32).toString('base64url'),
    };
    auth = await startAuth(env);
    rpc = new RpcClient(new ClientNats(natsConnectionOptions(nats.url, 'auth-int-spec')), 5000);
    nc = await connect(nats.connectOptions());
    events = new EventLog(nc);
    verifier = new JwtVerifier(() => rpc.send(SUBJECTS.auth.jwksGet, {}));
    // The responders attach in the background; wait until one answers.
    await waitFor(
      'auth responders',
      () => rpc.send(SUBJECTS.auth.jwksGet, {}, 1000).then(() => true),
      20_000,
    );
  }, 90_000);

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await nc?.close();
    await auth?.app.close();
    await Promise.all([nats?.stop(), pg?.stop()]);
  });

  describe('developer APP keys', () => {
    const developerId = randomUUID();
    const password = 'portal-password-1';

    it('registers, verifies, reveals only with the password, and refuses after revocation', async () => {
      const issued = await send(SUBJECTS.auth.developerRegister, { developerId, password });
      expect(issued.appKey).toMatch(/^cf_sbx_[A-Za-z0-9_-]{43}$/);
      expect(issued.prefix).toBe(issued.appKey.slice(0, 12));
      await events.waitFor(EVENTS.appKeyChanged, (e) => e.keyId === issued.keyId);

      // Only a keyed hash and a sealed box are stored, never the key.
      const stored: Array<{ key_hash: string; sealed: string }> = await auth.db.dataSource.query(
        'SELECT key_hash, sealed FROM auth.app_keys WHERE id = $1',
        [issued.keyId],
      );
      expect(stored[0].key_hash).not.toBe(issued.appKey);
      expect(stored[0].sealed).not.toContain(issued.appKey.slice(7));

      expect(await send(SUBJECTS.auth.appKeyVerify, { appKey: issued.appKey })).toEqual({
        keyId: issued.keyId,
        prefix: issued.prefix,
        developerId,
        kind: 'sandbox',
        status: 'active',
        groups: ['client', 'device', 'admin'],
        usageLimitPerDay: 1000,
        ratePerSecond: 10,
        expiresAt: null,
      });

      expect(await send(SUBJECTS.auth.appKeyReveal, { developerId, password })).toEqual(issued);
      await expect(
        send(SUBJECTS.auth.appKeyReveal, { developerId, password: 'not-the-password' }),
      ).rejects.toMatchObject({
        code: 'unauthorized',
        message: 'Invalid password',
      });

      const revoked = await send(SUBJECTS.auth.appKeyRevoke, { keyId: issued.keyId });
      expect(revoked).toMatchObject({ keyId: issued.keyId, status: 'revoked' });
      await events.waitFor(EVENTS.appKeyChanged, (e) => e.keyId === issued.keyId);
      await expect(send(SUBJECTS.auth.appKeyVerify, { appKey: issued.appKey })).rejects.toMatchObject({
        code: 'unauthorized',
        message: 'Invalid APP key',
        extra: { error: 'Invalid APP key' },
      });
      await expect(send(SUBJECTS.auth.appKeyReveal, { developerId, password })).rejects.toMatchObject({
        code: 'notFound',
      });
    });

    it('refuses a second registration and unknown keys', async () => {
      await expect(send(SUBJECTS.auth.developerRegister, { developerId, password })).rejects.toMatchObject({
        code: 'duplicateItem',
      });
      await expect(
        send(SUBJECTS.auth.appKeyVerify, { appKey: `cf_sbx_${'A'.repeat(43)}` }),
      ).rejects.toMatchObject({
        message: 'Invalid APP key',
      });
      await expect(send(SUBJECTS.auth.appKeyVerify, { appKey: 'garbage' })).rejects.toMatchObject({
        message: 'Invalid APP key',
      });
    });

    it('logs a developer in to a portal session that is not an admin token', async () => {
      const session = await send(SUBJECTS.auth.developerLogin, { developerId, password });
      expect(session.expiresIn).toBe(43_200);
      expect((await verifier.verify(session.sessionToken, TOKEN_AUDIENCES.portal)).sub).toBe(developerId);
      await expect(verifier.verify(session.sessionToken, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
        code: 'unauthorized',
      });
      for (const [id, pw] of [
        [developerId, 'wrong-password'],
        [randomUUID(), password],
      ]) {
        await expect(
          send(SUBJECTS.auth.developerLogin, { developerId: id, password: pw }),
        ).rejects.toMatchObject({
          code: 'unauthorized',
          message: 'Invalid email or password',
        });
      }
    });
  });

  describe('operator key management', () => {
    const developerId = randomUUID();
    const password = 'portal-password-2';
    let first: { keyId: string; appKey: string };

    beforeAll(async () => {
      first = await send(SUBJECTS.auth.developerRegister, { developerId, password });
    });

    it('updates groups, limits and expiry, and forces expiry', async () => {
      const updated = await send(SUBJECTS.auth.appKeyUpdate, {
        keyId: first.keyId,
        groups: ['client', 'client'],
        usageLimitPerDay: 5,
        ratePerSecond: 2,
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      });
      expect(updated).toMatchObject({
        groups: ['client'],
        usageLimitPerDay: 5,
        ratePerSecond: 2,
        status: 'expired',
        usedToday: 0,
      });
      expect((await send(SUBJECTS.auth.appKeyVerify, { appKey: first.appKey })).status).toBe('expired');

      expect(await send(SUBJECTS.auth.appKeyUpdate, { keyId: first.keyId, expiresAt: null })).toMatchObject({
        status: 'active',
        expiresAt: null,
      });
      expect(await send(SUBJECTS.auth.appKeyExpire, { keyId: first.keyId })).toMatchObject({
        status: 'expired',
      });
      expect((await send(SUBJECTS.auth.appKeyVerify, { appKey: first.appKey })).status).toBe('expired');
      await expect(send(SUBJECTS.auth.appKeyRevoke, { keyId: randomUUID() })).rejects.toMatchObject({
        code: 'notFound',
      });
    });

    it('renews: a new key with the same settings, the old one revoked, the new one revealed', async () => {
      const renewed = await send(SUBJECTS.auth.appKeyRenew, { keyId: first.keyId });
      expect(renewed.keyId).not.toBe(first.keyId);
      await events.waitFor(EVENTS.appKeyChanged, (e) => e.keyId === first.keyId);
      await events.waitFor(EVENTS.appKeyChanged, (e) => e.keyId === renewed.keyId);
      await expect(send(SUBJECTS.auth.appKeyVerify, { appKey: first.appKey })).rejects.toMatchObject({
        message: 'Invalid APP key',
      });
      expect(await send(SUBJECTS.auth.appKeyVerify, { appKey: renewed.appKey })).toMatchObject({
        developerId,
        status: 'active',
        groups: ['client'],
        usageLimitPerDay: 5,
        ratePerSecond: 2,
      });
      expect((await send(SUBJECTS.auth.appKeyReveal, { developerId, password })).appKey).toBe(renewed.appKey);
    });

    it('creates named production keys and lists them per developer', async () => {
      const live = await send(SUBJECTS.auth.appKeyCreate, {
        developerId,
        kind: 'production',
        name: 'POS terminal',
      });
      expect(live.appKey).toMatch(/^cf_live_/);
      const mine = await send(SUBJECTS.auth.developerKeys, { developerId });
      expect(mine.keys.map((k) => k.keyId)).toContain(live.keyId);
      expect(mine.keys).toHaveLength(3);
      expect(mine.keys.find((k) => k.keyId === live.keyId)).toMatchObject({
        kind: 'production',
        name: 'POS terminal',
        status: 'active',
      });
      const all = await send(SUBJECTS.auth.appKeyList, {});
      expect(all.keys.length).toBeGreaterThan(mine.keys.length);
      expect((await send(SUBJECTS.auth.appKeyList, { developerIds: [developerId] })).keys).toHaveLength(3);
      await expect(
        send(SUBJECTS.auth.appKeyCreate, { developerId: randomUUID(), kind: 'sandbox' }),
      ).rejects.toMatchObject({ code: 'notFound' });
    });

    it('validates payloads and names the offending field', async () => {
      const bad = { appKey: 'x', extra: 1 } as unknown as RpcRequest<typeof SUBJECTS.auth.appKeyVerify>;
      await expect(send(SUBJECTS.auth.appKeyVerify, bad)).rejects.toMatchObject({
        code: 'invalidData',
        message: expect.stringContaining('extra') as unknown,
      });
      await expect(send(SUBJECTS.auth.appKeyRevoke, { keyId: 'nope' })).rejects.toMatchObject({
        code: 'invalidData',
        message: expect.stringContaining('keyId') as unknown,
      });
    });
  });

  describe('tenant users and tokens', () => {
    const userId = randomUUID();
    const tenantId = randomUUID();
    const password = 'user-password-1';
    const invalidGrant = { code: 'unauthorized', extra: { error: 'invalid_grant' } };

    beforeAll(async () => {
      expect(
        await send(SUBJECTS.auth.userCredentialsSet, { userId, tenantId, password, pin: '1234' }),
      ).toEqual({ ok: true });
    });

    it('stores argon2id hashes only', async () => {
      const rows: Array<{ password_hash: string; pin_hash: string }> = await auth.db.dataSource.query(
        'SELECT password_hash, pin_hash FROM auth.user_credentials WHERE user_id = $1',
        [userId],
      );
      expect(rows[0].password_hash.startsWith('$argon2id$')).toBe(true);
      expect(rows[0].pin_hash.startsWith('$argon2id$')).toBe(true);
    });

    it('refuses a wrong password, an unknown user and another tenant alike', async () => {
      for (const req of [
        { userId, tenantId, password: 'wrong-password' },
        { userId: randomUUID(), tenantId, password },
        { userId, tenantId: randomUUID(), password },
      ]) {
        await expect(send(SUBJECTS.auth.tokenPassword, req)).rejects.toMatchObject({
          ...invalidGrant,
          message: 'Invalid username or password',
          extra: { error: 'invalid_grant', error_description: 'Invalid username or password' },
        });
      }
      await expect(
        send(SUBJECTS.auth.tokenPassword, { userId, tenantId, password, scope: 'root' }),
      ).rejects.toMatchObject({
        code: 'invalidData',
        extra: { error: 'invalid_scope' },
      });
    });

    it('grants tokens the JWKS verifies, rotates refresh tokens, and revokes the family on reuse', async () => {
      const pair = await send(SUBJECTS.auth.tokenPassword, { userId, tenantId, password });
      expect(pair).toMatchObject({ token_type: 'bearer', expires_in: 900, scope: 'admin' });
      const claims = await verifier.verify(pair.access_token, TOKEN_AUDIENCES.admin);
      expect(claims).toMatchObject({ sub: userId, tid: tenantId, scope: 'admin', iss: 'cloudflow-auth' });
      expect(claims.jti).toEqual(expect.any(String));

      const jwks = await send(SUBJECTS.auth.jwksGet, {});
      const kid = decodeProtectedHeader(pair.access_token).kid;
      expect(jwks.keys.find((k) => k.kid === kid)).toMatchObject({
        kty: 'OKP',
        crv: 'Ed25519',
        alg: 'EdDSA',
      });
      expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);

      const rotated = await send(SUBJECTS.auth.tokenRefresh, { refreshToken: pair.refresh_token });
      expect(rotated.refresh_token).not.toBe(pair.refresh_token);
      expect((await verifier.verify(rotated.access_token, TOKEN_AUDIENCES.admin)).sub).toBe(userId);

      // The first token again: it leaked. It fails, and so does the newest token of its family.
      await expect(
        send(SUBJECTS.auth.tokenRefresh, { refreshToken: pair.refresh_token }),
      ).rejects.toMatchObject(invalidGrant);
      await expect(
        send(SUBJECTS.auth.tokenRefresh, { refreshToken: rotated.refresh_token }),
      ).rejects.toMatchObject(invalidGrant);
      await expect(
        send(SUBJECTS.auth.tokenRefresh, { refreshToken: randomBytes(32).toString('base64url') }),
      ).rejects.toMatchObject(invalidGrant);
    });

    it('ends refresh sessions when the password is replaced', async () => {
      const pair = await send(SUBJECTS.auth.tokenPassword, { userId, tenantId, password });
      await send(SUBJECTS.auth.userCredentialsSet, { userId, tenantId, password: 'user-password-2' });
      await expect(
        send(SUBJECTS.auth.tokenRefresh, { refreshToken: pair.refresh_token }),
      ).rejects.toMatchObject(invalidGrant);
      await expect(send(SUBJECTS.auth.tokenPassword, { userId, tenantId, password })).rejects.toMatchObject(
        invalidGrant,
      );
      expect(
        (await send(SUBJECTS.auth.tokenPassword, { userId, tenantId, password: 'user-password-2' }))
          .token_type,
      ).toBe('bearer');
    });
  });

  describe('blocked endpoints', () => {
    it('creates, lists and deletes, broadcasting each change', async () => {
      const before = events.seen.filter((e) => e.subject === EVENTS.blockedEndpointsChanged).length;
      const created = await send(SUBJECTS.auth.blockedEndpointCreate, {
        method: 'GET',
        pathPrefix: '/client/v1.0/devices',
      });
      expect(created).toEqual({
        id: expect.any(String) as unknown,
        method: 'GET',
        pathPrefix: '/client/v1.0/devices',
      });
      await waitFor('create broadcast', async () =>
        events.seen.filter((e) => e.subject === EVENTS.blockedEndpointsChanged).length > before
          ? true
          : undefined,
      );
      expect((await send(SUBJECTS.auth.blockedEndpointList, {})).items).toEqual([created]);
      await expect(
        send(SUBJECTS.auth.blockedEndpointCreate, { method: 'GET', pathPrefix: '/client/v1.0/devices' }),
      ).rejects.toMatchObject({
        code: 'duplicateItem',
      });
      await expect(
        send(SUBJECTS.auth.blockedEndpointCreate, { method: '*', pathPrefix: 'client' }),
      ).rejects.toMatchObject({ code: 'invalidData' });

      expect(await send(SUBJECTS.auth.blockedEndpointDelete, { id: created.id })).toEqual({ ok: true });
      await waitFor('delete broadcast', async () =>
        events.seen.filter((e) => e.subject === EVENTS.blockedEndpointsChanged).length > before + 1
          ? true
          : undefined,
      );
      expect((await send(SUBJECTS.auth.blockedEndpointList, {})).items).toEqual([]);
      await expect(send(SUBJECTS.auth.blockedEndpointDelete, { id: created.id })).rejects.toMatchObject({
        code: 'notFound',
      });
    });
  });

  // A real process (the built dist/), since inside jest Node's own socket errors fail `instanceof
  // Error` (another realm) and would not look like an outage. Own NATS, so it shares no queue group.
  describe('Postgres outage (built auth process)', () => {
    it('answers storageFailed and reports not-ready while the database is down, then recovers by itself', async () => {
      const ownNats = await startNats();
      const logDir = mkdtempSync(join(tmpdir(), 'cf-auth-int-'));
      const child = await startService(
        'auth',
        { ...env, NATS_URL: ownNats.url, PORT: String(await freePort()) },
        logDir,
      );
      const ownRpc = new RpcClient(
        new ClientNats(natsConnectionOptions(ownNats.url, 'auth-outage-spec')),
        5000,
      );
      const developerId = randomUUID();
      const register = () =>
        ownRpc.send(SUBJECTS.auth.developerRegister, { developerId, password: 'portal-password-3' });
      try {
        await pg.stopServer();
        try {
          await expect(register()).rejects.toMatchObject({ code: 'storageFailed' });
          expect((await http('GET', `${child.url}/readyz`)).status).toBe(503);
          expect(child.child.running).toBe(true);
        } finally {
          await pg.startServer();
        }
        const issued = await waitFor('auth to use the database again', () =>
          register().catch((e: { code?: string }) => {
            if (e.code === 'storageFailed') return undefined;
            throw e;
          }),
        );
        expect((await ownRpc.send(SUBJECTS.auth.appKeyVerify, { appKey: issued.appKey })).developerId).toBe(
          developerId,
        );
      } finally {
        await ownRpc.onApplicationShutdown();
        await child.child.stop();
        await ownNats.stop();
      }
    });
  });

  describe('schema', () => {
    it('has no drift between the entities and the committed migrations', async () => {
      const log = await auth.db.dataSource.driver.createSchemaBuilder().log();
      expect(log.upQueries.map((q) => q.query)).toEqual([]);
    });

    it('creates exactly one signing key when replicas start together on an empty database', async () => {
      const fresh = { ...env, DATABASE_URL: await pg.createDatabase('auth_race') };
      const replicas = await Promise.all([startAuth(fresh), startAuth(fresh), startAuth(fresh)]);
      try {
        const signers = await Promise.all(replicas.map((r) => r.app.get(SigningKeysService).signer()));
        expect(new Set(signers.map((s) => s.kid)).size).toBe(1);
        const rows: Array<{ n: number }> = await replicas[0].db.dataSource.query(
          'SELECT count(*)::int AS n FROM auth.signing_keys',
        );
        expect(rows[0].n).toBe(1);
      } finally {
        await Promise.all(replicas.map((r) => r.app.close()));
      }
    });
  });
});
