import { EVENTS, type AccessRevokedEvent } from '@cloudflow/contracts';
import { Broadcasts, natsInboxPrefix, NatsConnectionOwner, RevocationStream } from '@cloudflow/platform';
import { startNats, waitFor, type NatsHandle } from '@cloudflow/testing';
import pino from 'pino';

/**
 * The revocation stream on a real nats-server, followed as a hub does (its own NATS user and
 * permissions) while auth's user publishes plain broadcasts: what a plain subscription cannot do.
 */
describe('RevocationStream', () => {
  let nats: NatsHandle;
  const owners: NatsConnectionOwner[] = [];
  const followers: RevocationStream[] = [];
  const logger = pino({ level: 'silent' });
  let auth: Broadcasts;

  const hubOwner = () => {
    const login = nats.hubUsers[0];
    const owner = new NatsConnectionOwner(nats.serverUrl, 'hub-spec', 1, {
      ...login,
      inboxPrefix: natsInboxPrefix('hub'),
    });
    owners.push(owner);
    return owner;
  };
  const follow = (sinceMs: number) => {
    const seen: Array<{ event: AccessRevokedEvent; storedAtMs: number }> = [];
    const stream = new RevocationStream(hubOwner(), logger);
    followers.push(stream);
    stream.follow(sinceMs, (event, storedAtMs) => seen.push({ event, storedAtMs }));
    return { stream, seen };
  };
  const revoke = (accountId: string) =>
    auth.publish(EVENTS.accessRevoked, { tenantId: 't1', accountId, scope: 'account', at: Date.now() });

  beforeAll(async () => {
    nats = await startNats();
    const authOwner = new NatsConnectionOwner(nats.serverUrl, 'auth-spec', 1, {
      ...nats.serviceUsers.auth,
      inboxPrefix: natsInboxPrefix('auth'),
    });
    owners.push(authOwner);
    auth = new Broadcasts(authOwner, logger);
  });

  afterAll(async () => {
    for (const f of followers) f.stop();
    await Promise.all(owners.map((o) => o.onApplicationShutdown()));
    await nats?.stop();
  });

  it('hands a hub that starts late the revocations it was not subscribed for, with the time NATS stored them', async () => {
    const first = follow(Date.now());
    await waitFor('caught up', async () => (first.stream.caughtUp ? true : undefined), 10_000);
    const before = Date.now();
    await revoke('acc-1');
    await revoke('acc-2');
    await waitFor('the first follower saw both', async () => (first.seen.length === 2 ? true : undefined));

    // A hub that was not running (or not subscribed) then: a plain subscription gets nothing.
    const late = follow(before - 1000);
    await waitFor(
      'the late follower caught up',
      async () => (late.stream.caughtUp ? true : undefined),
      10_000,
    );
    expect(late.seen.map((s) => s.event.accountId)).toEqual(['acc-1', 'acc-2']);
    for (const { storedAtMs } of late.seen) {
      expect(storedAtMs).toBeGreaterThanOrEqual(before - 1000);
      expect(storedAtMs).toBeLessThanOrEqual(Date.now());
    }
    // Events from before its start time are not replayed.
    const later = follow(Date.now() + 1000);
    await waitFor('caught up', async () => (later.stream.caughtUp ? true : undefined), 10_000);
    expect(later.seen).toEqual([]);
  });

  it('follows on after NATS restarts without its (memory) stream: new revocations still arrive', async () => {
    const { stream, seen } = follow(Date.now());
    await waitFor('caught up', async () => (stream.caughtUp ? true : undefined), 10_000);
    await nats.restart();
    await waitFor(
      'a revocation after the restart arrives through the re-made stream',
      async () => {
        await revoke('acc-after').catch(() => undefined);
        return seen.some((s) => s.event.accountId === 'acc-after') ? true : undefined;
      },
      20_000,
      500,
    );
  });
});
