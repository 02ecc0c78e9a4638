import 'reflect-metadata';
import {
  EVENTS,
  SUBJECTS,
  TOKEN_AUDIENCES,
  TOKEN_ISSUER,
  WEBSOCKET_TOKEN_TTL_SECONDS,
  type AccessRevokedEvent,
  type RpcRequest,
  type RpcSubject,
} from '@cloudflow/contracts';
import { DatabaseService, JwtVerifier, RpcClient } from '@cloudflow/platform';
import { waitFor } from '@cloudflow/testing';
import { JSONCodec, type NatsConnection } from 'nats';
import { randomBytes, randomUUID } from 'node:crypto';
import { startAuthHarness, type AuthHarness } from './testing/auth-int-harness';

jest.setTimeout(30_000);

/** accessRevoked broadcasts as a plain NATS subscriber (a hub or gateway) receives them. */
class RevocationLog {
  readonly seen: AccessRevokedEvent[] = [];
  constructor(nc: NatsConnection) {
    const codec = JSONCodec<AccessRevokedEvent>();
    nc.subscribe(EVENTS.accessRevoked, { callback: (_e, m) => this.seen.push(codec.decode(m.data)) });
  }
  forAccount(accountId: string): AccessRevokedEvent[] {
    return this.seen.filter((e) => e.accountId === accountId);
  }
  waitFor(expected: AccessRevokedEvent): Promise<true> {
    // `at` is auth's clock when the revocation took effect: present, recent, otherwise as expected.
    const same = ({ at, ...e }: AccessRevokedEvent) =>
      typeof at === 'number' &&
      Math.abs(at - Date.now()) < 60_000 &&
      JSON.stringify(sorted(e)) === JSON.stringify(sorted(expected));
    return waitFor(
      `accessRevoked ${JSON.stringify(expected)}`,
      () => Promise.resolve(this.seen.some(same) || undefined),
      5000,
      20,
    );
  }
}

function sorted(o: object): Array<[string, unknown]> {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

describe('relay credentials over real NATS and Postgres', () => {
  let harness: AuthHarness;
  let db: DatabaseService;
  let rpc: RpcClient;
  let nc: NatsConnection;
  let revocations: RevocationLog;
  let verifier: JwtVerifier;

  const send = <S extends RpcSubject>(subject: S, request: RpcRequest<S>) => rpc.send(subject, request);
  const refusal = { code: 'unauthorized', message: 'Missing or invalid Authorization bearer token' };
  const ids = () => ({ tenantId: randomUUID(), accountId: `pos-${randomBytes(4).toString('hex')}` });

  beforeAll(async () => {
    harness = await startAuthHarness('auth_relay_int');
    ({ db, rpc, nc } = harness);
    revocations = new RevocationLog(nc);
    verifier = new JwtVerifier(() => rpc.send(SUBJECTS.auth.jwksGet, {}));
  }, 90_000);

  afterAll(() => harness?.stop());

  describe('account API tokens', () => {
    it('sets, verifies case-sensitively, and on rotation refuses the old token and broadcasts', async () => {
      const { tenantId, accountId } = ids();
      const first = await send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      expect(first.apiToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await send(SUBJECTS.auth.accountVerify, { accountId, apiToken: first.apiToken })).toEqual({
        tenantId,
        accountId,
      });

      // Only the keyed hash is stored.
      const rows: Array<{ token_hash: string; rotated_at: Date | null }> = await db.dataSource.query(
        'SELECT token_hash, rotated_at FROM auth.account_credentials WHERE account_id = $1',
        [accountId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].token_hash).not.toContain(first.apiToken);
      expect(rows[0].rotated_at).toBeNull();

      for (const attempt of [
        { accountId: accountId.toUpperCase(), apiToken: first.apiToken },
        { accountId, apiToken: first.apiToken.toUpperCase() },
        { accountId: `${accountId}-x`, apiToken: first.apiToken },
      ]) {
        await expect(send(SUBJECTS.auth.accountVerify, attempt)).rejects.toMatchObject(refusal);
      }

      const second = await send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      expect(second.apiToken).not.toBe(first.apiToken);
      await revocations.waitFor({ tenantId, accountId, scope: 'account' });
      await expect(
        send(SUBJECTS.auth.accountVerify, { accountId, apiToken: first.apiToken }),
      ).rejects.toMatchObject(refusal);
      expect(await send(SUBJECTS.auth.accountVerify, { accountId, apiToken: second.apiToken })).toEqual({
        tenantId,
        accountId,
      });
      // Creation revoked nothing, so the rotation is the only broadcast.
      expect(revocations.forAccount(accountId)).toEqual([
        { tenantId, accountId, scope: 'account', at: expect.any(Number) as unknown },
      ]);
    });

    it('refuses an account id that belongs to another tenant, leaving its token working', async () => {
      const { tenantId, accountId } = ids();
      const { apiToken } = await send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      await expect(
        send(SUBJECTS.auth.accountCredentialSet, { tenantId: randomUUID(), accountId }),
      ).rejects.toMatchObject({ code: 'duplicateItem' });
      expect(await send(SUBJECTS.auth.accountVerify, { accountId, apiToken })).toEqual({
        tenantId,
        accountId,
      });
    });

    it('validates payloads and names the offending field', async () => {
      await expect(
        send(SUBJECTS.auth.accountCredentialSet, { tenantId: randomUUID(), accountId: 'has space' }),
      ).rejects.toMatchObject({
        code: 'invalidData',
        message: expect.stringContaining('accountId') as unknown,
      });
      await expect(
        send(SUBJECTS.auth.accountVerify, { accountId: 'a', apiToken: 't', extra: 1 } as never),
      ).rejects.toMatchObject({ code: 'invalidData', message: expect.stringContaining('extra') as unknown });
    });
  });

  describe('device API tokens', () => {
    it('sets, verifies, refuses a taken model + serial number, and rotates with a broadcast', async () => {
      const { tenantId, accountId } = ids();
      const serialNumber = `SN-${randomBytes(4).toString('hex')}`;
      const device = { tenantId, accountId, referenceId: 'till-7', model: 'A920', serialNumber };
      const first = await send(SUBJECTS.auth.deviceCredentialSet, device);
      const verify = (apiToken: string, serial = serialNumber) =>
        send(SUBJECTS.auth.deviceVerify, { model: 'A920', serialNumber: serial, apiToken });
      expect(await verify(first.apiToken)).toEqual({ tenantId, accountId, referenceId: 'till-7' });
      await expect(verify(first.apiToken, serialNumber.toLowerCase())).rejects.toMatchObject(refusal);
      await expect(verify('not-the-token')).rejects.toMatchObject(refusal);

      await expect(
        send(SUBJECTS.auth.deviceCredentialSet, { ...device, referenceId: 'till-8' }),
      ).rejects.toMatchObject({ code: 'duplicateItem' });
      await expect(
        send(SUBJECTS.auth.deviceCredentialSet, { ...device, tenantId: randomUUID(), accountId: 'other' }),
      ).rejects.toMatchObject({ code: 'duplicateItem' });

      const second = await send(SUBJECTS.auth.deviceCredentialSet, device);
      await revocations.waitFor({ tenantId, accountId, referenceId: 'till-7', scope: 'device' });
      await expect(verify(first.apiToken)).rejects.toMatchObject(refusal);
      expect(await verify(second.apiToken)).toEqual({ tenantId, accountId, referenceId: 'till-7' });
      expect(revocations.forAccount(accountId)).toHaveLength(1);
    });
  });

  describe('deletion', () => {
    it('deletes one device credential, idempotently, with a broadcast', async () => {
      const { tenantId, accountId } = ids();
      const device = {
        tenantId,
        accountId,
        referenceId: 'till-1',
        model: 'P400',
        serialNumber: randomUUID(),
      };
      const { apiToken } = await send(SUBJECTS.auth.deviceCredentialSet, device);
      const del = { tenantId, accountId, referenceId: 'till-1' };
      expect(await send(SUBJECTS.auth.credentialDelete, del)).toEqual({ ok: true });
      await revocations.waitFor({ ...del, scope: 'device', deleted: true });
      await expect(
        send(SUBJECTS.auth.deviceVerify, { model: 'P400', serialNumber: device.serialNumber, apiToken }),
      ).rejects.toMatchObject(refusal);
      expect(await send(SUBJECTS.auth.credentialDelete, del)).toEqual({ ok: true });
      // The model + serial number is free again.
      await send(SUBJECTS.auth.deviceCredentialSet, { ...device, referenceId: 'till-2' });
    });

    it('deletes an account with its devices and webhook secret, with a broadcast', async () => {
      const { tenantId, accountId } = ids();
      const account = await send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      const serialNumber = randomUUID();
      const device = await send(SUBJECTS.auth.deviceCredentialSet, {
        tenantId,
        accountId,
        referenceId: 'till-1',
        model: 'A920',
        serialNumber,
      });
      await send(SUBJECTS.auth.webhookSecretCreate, { tenantId, accountId });

      expect(await send(SUBJECTS.auth.credentialDelete, { tenantId, accountId })).toEqual({ ok: true });
      await revocations.waitFor({ tenantId, accountId, scope: 'account', deleted: true });
      await expect(
        send(SUBJECTS.auth.accountVerify, { accountId, apiToken: account.apiToken }),
      ).rejects.toMatchObject(refusal);
      await expect(
        send(SUBJECTS.auth.deviceVerify, { model: 'A920', serialNumber, apiToken: device.apiToken }),
      ).rejects.toMatchObject(refusal);
      await expect(send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).rejects.toMatchObject({
        code: 'notFound',
      });
      expect(await send(SUBJECTS.auth.credentialDelete, { tenantId, accountId })).toEqual({ ok: true });
    });

    it("does not touch another tenant's account", async () => {
      const { tenantId, accountId } = ids();
      const { apiToken } = await send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      await send(SUBJECTS.auth.credentialDelete, { tenantId: randomUUID(), accountId });
      expect(await send(SUBJECTS.auth.accountVerify, { accountId, apiToken })).toEqual({
        tenantId,
        accountId,
      });
    });
  });

  describe('credential check (hubs, after a NATS reconnect)', () => {
    it('reports each credential as it stands: never rotated, rotated (when), or gone', async () => {
      const { tenantId, accountId } = ids();
      await send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      const device = (referenceId: string) => ({
        tenantId,
        accountId,
        referenceId,
        model: 'A920',
        serialNumber: `SN-${randomBytes(4).toString('hex')}`,
      });
      const rotated = device('till-r');
      await send(SUBJECTS.auth.deviceCredentialSet, device('till-n'));
      await send(SUBJECTS.auth.deviceCredentialSet, rotated);
      const check = () =>
        send(SUBJECTS.auth.credentialCheck, {
          tenantId,
          accountId,
          account: true,
          referenceIds: ['till-n', 'till-r', 'till-none'],
        });
      // Never rotated: exists, no time (a row whose only selected value is NULL must still count).
      expect(await check()).toEqual({
        account: { exists: true },
        devices: [
          { referenceId: 'till-n', exists: true },
          { referenceId: 'till-r', exists: true },
          { referenceId: 'till-none', exists: false },
        ],
      });

      const before = Date.now();
      await send(SUBJECTS.auth.accountCredentialSet, { tenantId, accountId });
      await send(SUBJECTS.auth.deviceCredentialSet, rotated);
      const after = await check();
      for (const state of [after.account!, after.devices[1]]) {
        expect(state.exists).toBe(true);
        expect(Math.abs(state.rotatedAt! - before)).toBeLessThan(60_000);
      }
      expect(after.devices[0]).toEqual({ referenceId: 'till-n', exists: true });

      await send(SUBJECTS.auth.credentialDelete, { tenantId, accountId, referenceId: 'till-n' });
      expect((await check()).devices[0]).toEqual({ referenceId: 'till-n', exists: false });
      // Another tenant's account of the same id is not this one.
      expect(
        (
          await send(SUBJECTS.auth.credentialCheck, {
            tenantId: randomUUID(),
            accountId,
            account: true,
            referenceIds: [],
          })
        ).account,
      ).toEqual({ exists: false });
    });
  });

  describe('websocket tokens', () => {
    it('issues short-lived JWTs for clients and devices that verify for the websocket audience only', async () => {
      const { tenantId, accountId } = ids();
      const client = await send(SUBJECTS.auth.websocketToken, { kind: 'client', tenantId, accountId });
      expect(client.expiresIn).toBe(WEBSOCKET_TOKEN_TTL_SECONDS);
      const claims = await verifier.verify(client.accessToken, TOKEN_AUDIENCES.websocket);
      expect(claims).toMatchObject({
        kind: 'client',
        tid: tenantId,
        acc: accountId,
        sub: accountId,
        iss: TOKEN_ISSUER,
      });
      expect(claims.exp! - claims.iat!).toBe(WEBSOCKET_TOKEN_TTL_SECONDS);
      expect(typeof claims.jti).toBe('string');
      // The ms issue time a hub compares with a revocation's `at`, from the same clock as `iat`.
      expect(typeof claims.ims).toBe('number');
      expect(Math.abs(Math.floor((claims.ims as number) / 1000) - claims.iat!)).toBeLessThanOrEqual(1);
      await expect(verifier.verify(client.accessToken, TOKEN_AUDIENCES.admin)).rejects.toMatchObject({
        code: 'unauthorized',
      });

      const device = await send(SUBJECTS.auth.websocketToken, {
        kind: 'device',
        tenantId,
        accountId,
        referenceId: 'till-7',
      });
      expect(await verifier.verify(device.accessToken, TOKEN_AUDIENCES.websocket)).toMatchObject({
        kind: 'device',
        tid: tenantId,
        acc: accountId,
        sub: 'till-7',
      });
    });

    it('requires a referenceId for a device token', async () => {
      const { tenantId, accountId } = ids();
      await expect(
        send(SUBJECTS.auth.websocketToken, { kind: 'device', tenantId, accountId }),
      ).rejects.toMatchObject({
        code: 'invalidData',
        message: expect.stringContaining('referenceId') as unknown,
      });
      await expect(
        send(SUBJECTS.auth.websocketToken, {
          kind: 'terminal' as 'device',
          tenantId,
          accountId,
          referenceId: 'x',
        }),
      ).rejects.toMatchObject({ code: 'invalidData', message: expect.stringContaining('kind') as unknown });
    });
  });

  describe('webhook secrets', () => {
    it('creates, reads back and replaces a secret that is stored only encrypted', async () => {
      const { tenantId, accountId } = ids();
      await expect(send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).rejects.toMatchObject({
        code: 'notFound',
      });

      const { webhookSecret } = await send(SUBJECTS.auth.webhookSecretCreate, { tenantId, accountId });
      expect(webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(await send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).toEqual({ webhookSecret });

      const rows: Array<{ secret_enc: string; tenant_id: string }> = await db.dataSource.query(
        'SELECT secret_enc, tenant_id FROM auth.webhook_secrets WHERE account_id = $1',
        [accountId],
      );
      expect(rows).toEqual([{ tenant_id: tenantId, secret_enc: expect.any(String) as unknown }]);
      expect(rows[0].secret_enc).not.toContain(webhookSecret);
      expect(rows[0].secret_enc).not.toContain(webhookSecret.slice('whsec_'.length));

      // Another tenant neither reads nor overwrites it.
      const stranger = { tenantId: randomUUID(), accountId };
      await expect(send(SUBJECTS.auth.webhookSecretGet, stranger)).rejects.toMatchObject({
        code: 'notFound',
      });
      await expect(send(SUBJECTS.auth.webhookSecretCreate, stranger)).rejects.toMatchObject({
        code: 'duplicateItem',
      });

      const replaced = await send(SUBJECTS.auth.webhookSecretCreate, { tenantId, accountId });
      expect(replaced.webhookSecret).not.toBe(webhookSecret);
      expect(await send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).toEqual(replaced);
    });

    it('rotates with an overlap: the old secret is read back beside the new one until it expires (issue 14)', async () => {
      const { tenantId, accountId } = ids();
      await expect(send(SUBJECTS.auth.webhookSecretRotate, { tenantId, accountId })).rejects.toMatchObject({
        code: 'notFound',
      });
      const { webhookSecret: first } = await send(SUBJECTS.auth.webhookSecretCreate, { tenantId, accountId });
      const asked = Date.now();
      const rotated = await send(SUBJECTS.auth.webhookSecretRotate, { tenantId, accountId });
      expect(rotated.webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(rotated.webhookSecret).not.toBe(first);
      // The default overlap: 24 h.
      expect(Math.abs(Date.parse(rotated.previousExpiresAt!) - asked - 24 * 3_600_000)).toBeLessThan(60_000);
      expect(await send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).toEqual({
        webhookSecret: rotated.webhookSecret,
        previous: { webhookSecret: first, expiresAt: rotated.previousExpiresAt },
      });
      const [row]: Array<{ previous_secret_enc: string }> = await db.dataSource.query(
        'SELECT previous_secret_enc FROM auth.webhook_secrets WHERE account_id = $1',
        [accountId],
      );
      expect(row.previous_secret_enc).not.toContain(first.slice('whsec_'.length));
      await expect(
        send(SUBJECTS.auth.webhookSecretRotate, { tenantId: randomUUID(), accountId }),
      ).rejects.toMatchObject({ code: 'notFound' });

      // A second rotation within the overlap: the first secret is gone at once, two at most.
      const again = await send(SUBJECTS.auth.webhookSecretRotate, { tenantId, accountId });
      expect(await send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).toEqual({
        webhookSecret: again.webhookSecret,
        previous: { webhookSecret: rotated.webhookSecret, expiresAt: again.previousExpiresAt },
      });
      // Once the overlap is over only the new one is handed out.
      await db.dataSource.query(
        `UPDATE auth.webhook_secrets SET previous_expires_at = now() - interval '1 second' WHERE account_id = $1`,
        [accountId],
      );
      expect(await send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).toEqual({
        webhookSecret: again.webhookSecret,
      });
      // A replaced secret (account re-created) has no predecessor.
      await send(SUBJECTS.auth.webhookSecretRotate, { tenantId, accountId });
      const replaced = await send(SUBJECTS.auth.webhookSecretCreate, { tenantId, accountId });
      expect(await send(SUBJECTS.auth.webhookSecretGet, { tenantId, accountId })).toEqual(replaced);
    });
  });
});
