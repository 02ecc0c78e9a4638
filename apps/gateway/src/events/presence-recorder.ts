import { Injectable } from '@nestjs/common';
import type { OptionalEventType, PresenceChange, PushedEvent } from '@cloudflow/contracts';
import { DatabaseService } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { presenceOrderKey, WebhookOutbox, type OutboxItem } from '../webhooks/webhook-outbox.port';
import { AccountEventTypes } from './account-event-types';
import { applyChange, type DeviceAnnounced } from './presence-transitions';

interface Row {
  tenant_id: string;
  account_id: string;
  reference_id: string;
  epoch: string;
  connected: boolean;
  hub_id: string;
  events: number;
}

const P = '"gateway"."device_presence"';

/**
 * Turns presence changes into the account's events (issue 14) in one transaction: each device is
 * locked (an advisory lock on its key, taken before anything is written, in one fixed order),
 * its row read, the changes judged against it (presence-transitions.ts), the row written back and
 * the events the account takes queued in the outbox, where webhooks and the feed read them. The
 * lock comes first so the transaction ids, the feed's order, follow each device's order across
 * gateways. What was announced is returned, for the subscribed POS sockets, after the commit.
 */
@Injectable()
export class PresenceRecorder {
  constructor(
    private readonly db: DatabaseService,
    private readonly outbox: WebhookOutbox,
    private readonly eventTypes: AccountEventTypes,
  ) {}

  async record(changes: PresenceChange[]): Promise<PushedEvent[]> {
    if (changes.length === 0) return [];
    // Asked before the transaction: no lock is held while admin answers.
    const wanted = new Map<string, ReadonlySet<OptionalEventType>>();
    for (const c of changes) {
      const k = accountKey(c);
      if (!wanted.has(k)) wanted.set(k, await this.eventTypes.of(c.tenantId, c.accountId));
    }
    return this.db.transaction((m) => this.apply(m, changes, wanted));
  }

  private async apply(
    m: EntityManager,
    changes: PresenceChange[],
    wanted: Map<string, ReadonlySet<OptionalEventType>>,
  ): Promise<PushedEvent[]> {
    const devices = [...new Map(changes.map((c) => [deviceKey(c), c])).values()];
    await m.query(
      `SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS u(k) ORDER BY h) s`,
      [devices.map(deviceKey)],
    );
    const rows: Row[] = await m.query(
      `SELECT p.* FROM ${P} p
         JOIN unnest($1::varchar[], $2::varchar[], $3::varchar[]) AS u(t, a, r)
           ON p."tenant_id" = u.t AND p."account_id" = u.a AND p."reference_id" = u.r`,
      [devices.map((d) => d.tenantId), devices.map((d) => d.accountId), devices.map((d) => d.referenceId)],
    );
    const state = new Map<string, DeviceAnnounced>(
      rows.map((r) => [
        deviceKey({ tenantId: r.tenant_id, accountId: r.account_id, referenceId: r.reference_id }),
        { epoch: Number(r.epoch), connected: r.connected, hubId: r.hub_id, events: r.events },
      ]),
    );
    const changed = new Map<string, { change: PresenceChange; next: DeviceAnnounced }>();
    const queued: OutboxItem[] = [];
    const pushed: PushedEvent[] = [];
    for (const change of changes) {
      const k = deviceKey(change);
      const result = applyChange(state.get(k), change);
      if (!result) continue;
      state.set(k, result.next);
      changed.set(k, { change, next: result.next });
      const takes = wanted.get(accountKey(change));
      for (const event of result.events) {
        const id = randomUUID();
        const { tenantId, accountId, referenceId } = change;
        pushed.push({ tenantId, accountId, id, type: event.body.type, body: event.body });
        if (!takes?.has(event.body.type)) continue;
        queued.push({
          tenantId,
          accountId,
          requestId: presenceOrderKey(referenceId),
          seq: event.seq,
          message: event.body,
          kind: event.body.type,
          deliveryId: id,
        });
      }
    }
    if (changed.size === 0) return [];
    const list = [...changed.values()];
    await m.query(
      `INSERT INTO ${P} ("tenant_id", "account_id", "reference_id", "epoch", "connected", "hub_id", "events", "changed_at")
       SELECT *, now() FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bigint[], $5::boolean[], $6::varchar[], $7::int[])
       ON CONFLICT ("tenant_id", "account_id", "reference_id") DO UPDATE SET
         "epoch" = excluded."epoch", "connected" = excluded."connected", "hub_id" = excluded."hub_id",
         "events" = excluded."events", "changed_at" = excluded."changed_at"`,
      [
        list.map((c) => c.change.tenantId),
        list.map((c) => c.change.accountId),
        list.map((c) => c.change.referenceId),
        list.map((c) => c.next.epoch),
        list.map((c) => c.next.connected),
        list.map((c) => c.next.hubId),
        list.map((c) => c.next.events),
      ],
    );
    await this.outbox.enqueueMany(m, queued);
    return pushed;
  }

  /** Hubs holding sockets the gateways announced as open (the sweep asks which are dead). */
  async hubsWithOpenSockets(): Promise<string[]> {
    const rows: Array<{ hub_id: string }> = await this.db.manager.query(
      `SELECT DISTINCT "hub_id" FROM ${P} WHERE "connected"`,
    );
    return rows.map((r) => r.hub_id);
  }

  /** The open sockets announced on `hubId`, a page at a time, as the disconnects a dead hub owes. */
  async openOn(hubId: string, limit: number): Promise<PresenceChange[]> {
    const rows: Row[] = await this.db.manager.query(
      `SELECT * FROM ${P} WHERE "connected" AND "hub_id" = $1 LIMIT $2`,
      [hubId, limit],
    );
    const at = new Date().toISOString();
    return rows.map((r) => ({
      change: 'disconnected',
      tenantId: r.tenant_id,
      accountId: r.account_id,
      referenceId: r.reference_id,
      epoch: Number(r.epoch),
      hubId,
      at,
      reason: 'hubGone',
    }));
  }
}

function deviceKey(d: Pick<PresenceChange, 'tenantId' | 'accountId' | 'referenceId'>): string {
  return JSON.stringify([d.tenantId, d.accountId, d.referenceId]);
}

function accountKey(d: Pick<PresenceChange, 'tenantId' | 'accountId'>): string {
  return `${d.tenantId}\u0000${d.accountId}`;
}
