import 'reflect-metadata';
import type { OptionalEventType, PresenceChange } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { startPostgres, type PostgresHandle } from '@cloudflow/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from '../database';
import { WebhookOutboxRepository } from '../webhooks/webhook-outbox.repository';
import type { AccountEventTypes } from './account-event-types';
import { ClientEventsRepository } from './client-events.repository';
import { PresenceRecorder } from './presence-recorder';
import type { GatewayConfig } from '../gateway.config';

jest.setTimeout(60_000);

const logger = pino({ level: 'silent' });

/**
 * The recorder as N gateways run it, on a real Postgres: several recorders take the same changes
 * at once, in different orders and more than once, and the outbox (hence webhooks and the feed)
 * holds exactly one event per transition, in the device's order.
 */
describe('PresenceRecorder on real Postgres', () => {
  let pg: PostgresHandle;
  let db: DatabaseService;
  let recorders: PresenceRecorder[];
  let feed: ClientEventsRepository;
  const tenantId = randomUUID();
  const everything: AccountEventTypes = {
    of: () => Promise.resolve(new Set<OptionalEventType>(['deviceConnected', 'deviceDisconnected'])),
  } as unknown as AccountEventTypes;

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase('gateway_presence_int');
    db = new DatabaseService(
      url,
      { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
      logger,
    );
    db.onModuleInit();
    await db.whenReady();
    // Four "gateways": each its own recorder (the database is what they share).
    recorders = Array.from(
      { length: 4 },
      () => new PresenceRecorder(db, new WebhookOutboxRepository(db), everything),
    );
    feed = new ClientEventsRepository(db, { EVENTS_RETENTION_HOURS: 72 } as GatewayConfig);
  });

  afterAll(async () => {
    await db?.onApplicationShutdown();
    await pg?.stop();
  });

  const change = (
    accountId: string,
    referenceId: string,
    epoch: number,
    kind: PresenceChange['change'],
    reason?: PresenceChange['reason'],
  ): PresenceChange => ({
    change: kind,
    tenantId,
    accountId,
    referenceId,
    epoch,
    hubId: `hub-${epoch % 2}`,
    at: new Date().toISOString(),
    ...(reason ? { reason } : {}),
  });

  it('records one event per transition, in device order, while four recorders race over shuffled duplicates', async () => {
    const accountId = `pos-${randomUUID().slice(0, 8)}`;
    const devices = Array.from({ length: 12 }, (_, i) => `till-${i}`);
    const history = devices.flatMap((d) =>
      [10, 11, 12].flatMap((epoch) => [
        change(accountId, d, epoch, 'connected'),
        change(accountId, d, epoch, 'disconnected', 'closed'),
      ]),
    );
    // Every recorder gets every change (a redelivery, two gateways, the sweep), in batches that
    // keep each device's own order, as one gateway's consumer does.
    await Promise.all(
      recorders.map(async (recorder, k) => {
        const mine = [...history];
        for (let i = 0; i < mine.length; i += 5) await recorder.record(mine.slice(i, i + 5 + k));
      }),
    );
    const page = await feed.page(tenantId, accountId, undefined, 500);
    for (const d of devices) {
      const events = page.events
        .filter((e) => (e.body as { referenceId: string }).referenceId === d)
        .map((e) => e.type);
      expect({ d, events }).toEqual({
        d,
        // Three sockets, each opened and closed.
        events: [10, 11, 12].flatMap(() => ['deviceConnected', 'deviceDisconnected']),
      });
    }
    expect(new Set(page.events.map((e) => e.id)).size).toBe(page.events.length);
  });

  it('never puts an event behind a cursor a reader has passed, with recorders committing out of order', async () => {
    const accountId = `pos-${randomUUID().slice(0, 8)}`;
    const seen: string[] = [];
    let cursor: Awaited<ReturnType<ClientEventsRepository['page']>>['next'];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const page = await feed.page(tenantId, accountId, cursor, 50);
        seen.push(...page.events.map((e) => e.id));
        cursor = page.next;
      }
    })();
    await Promise.all(
      recorders.map(async (recorder, k) => {
        for (let epoch = 1; epoch <= 15; epoch++) {
          const d = `till-${k}`;
          await recorder.record([change(accountId, d, epoch, 'connected')]);
          await recorder.record([change(accountId, d, epoch, 'disconnected', 'livenessLost')]);
        }
      }),
    );
    reading = false;
    await reader;
    const rest = await feed.page(tenantId, accountId, cursor, 500);
    seen.push(...rest.events.map((e) => e.id));
    const all = await feed.page(tenantId, accountId, undefined, 500);
    expect(all.events).toHaveLength(4 * 15 * 2);
    // The reader, going page by page while the rows were written, saw each exactly once, in the feed's order.
    expect(seen).toEqual(all.events.map((e) => e.id));
  });
});
