import { Injectable } from '@nestjs/common';
import {
  accountSlotPrefix,
  deviceKey,
  kvToken,
  PRESENCE,
  type DevicePresence,
  type HubHeartbeat,
} from '@cloudflow/contracts';
import {
  InboxRequests,
  KV_CONSISTENT_READS,
  kvCreate,
  MovingRetry,
  NatsConnectionOwner,
  reconcileKvReplicas,
  TtlCache,
} from '@cloudflow/platform';
import { StorageType, type KV, type KvEntry } from 'nats';

const HEARTBEAT_CACHE_MS = 1_000;

export interface DeviceState {
  connected: boolean;
  presence?: DevicePresence;
  connectedSince?: string;
  lastSeen: string | null;
}

/** A device's lastSeen entry: when its socket closed, and the epoch it had then. */
interface LastSeen {
  lastSeen: string;
  epoch?: number;
}

/** Per account: how many sockets each hub holds (clients + devices). */
interface AccountSlots {
  counts: Record<string, number>;
}

/**
 * The cluster's live connection state in NATS JetStream key-value buckets (memory storage:
 * it is rebuilt by reconnecting sockets, never restored from disk). Hubs write, everyone reads.
 * A hub's entries only count while its heartbeat is fresh, so a crashed hub's sockets and
 * connection slots disappear within PRESENCE.hubDeadAfterMs without anyone cleaning up.
 */
@Injectable()
export class PresenceStore {
  private buckets?: Promise<{ devices: KV; lastSeen: KV; slots: KV; hubs: KV; inbox: InboxRequests }>;
  /** One inbox subscription for the process's lifetime (the NATS connection is shared and reconnects itself). */
  private inbox?: InboxRequests;
  /** Each hub's last heartbeat time, as read (at most once a second per hub: isHubAlive). */
  private readonly heartbeats = new TtlCache<string, number>({
    ttlMs: HEARTBEAT_CACHE_MS,
    maxEntries: 10_000,
  });

  constructor(private readonly nats: NatsConnectionOwner) {
    // The buckets use memory storage: a restarted NATS server comes back without them. Forget
    // the handles so the next call re-creates them; hubs then re-assert what they hold.
    nats.onReconnect(() => {
      this.buckets = undefined;
      this.heartbeats.clear();
    });
  }

  private kv() {
    this.buckets ??= (async () => {
      const nc = await this.nats.connection();
      const js = nc.jetstream();
      const replicas = this.nats.jetStreamReplicas;
      const open = async (name: string, ttl = 0, storage = StorageType.Memory) => {
        const kv = await js.views.kv(name, {
          ...KV_CONSISTENT_READS,
          history: 1,
          storage,
          ttl,
          replicas,
        });
        await reconcileKvReplicas(nc, name, replicas);
        return kv;
      };
      const [devices, lastSeen, slots, hubs] = await Promise.all([
        open(PRESENCE.devicesBucket),
        open(PRESENCE.lastSeenBucket, 90 * 24 * 3600 * 1000),
        open(PRESENCE.slotsBucket),
        // On disk: a restarted NATS node then has the heartbeats up to its stop and catches up on
        // the few since. As a memory replica (rebuilt from nothing while every hub writes and old
        // entries expire) it stayed "not current" for over 120 s in the cluster e2e, on 2.9.10.
        open(PRESENCE.hubsBucket, PRESENCE.hubDeadAfterMs * 4, StorageType.File),
      ]);
      this.inbox ??= new InboxRequests(nc);
      return { devices, lastSeen, slots, hubs, inbox: this.inbox };
    })().catch((error: unknown) => {
      this.buckets = undefined;
      throw error;
    });
    return this.buckets;
  }

  // ---- hubs -------------------------------------------------------------------------------

  async heartbeat(hubId: string): Promise<void> {
    const { hubs } = await this.kv();
    const at = Date.now();
    await hubs.put(kvToken(hubId), JSON.stringify({ hubId, at } satisfies HubHeartbeat));
    this.heartbeats.set(hubId, at);
  }

  /**
   * Every routed request asks this, so a hub's heartbeat entry is read at most once a second
   * per process: liveness is judged against a 15 s deadline, a second of staleness is noise.
   */
  async isHubAlive(hubId: string): Promise<boolean> {
    const cached = this.heartbeats.get(hubId);
    if (cached !== undefined) return Date.now() - cached < PRESENCE.hubDeadAfterMs;
    const { hubs } = await this.kv();
    const beat = json<HubHeartbeat>(await hubs.get(kvToken(hubId)));
    this.heartbeats.set(hubId, beat?.at ?? 0);
    return !!beat && Date.now() - beat.at < PRESENCE.hubDeadAfterMs;
  }

  /**
   * The hubs whose heartbeat is fresh. The keys come from the stream's info (its subjects), which
   * a hub may read: listing them with `keys()` would need a consumer, which a hub may not create.
   */
  async liveHubIds(): Promise<string[]> {
    const { hubs } = await this.kv();
    const jsm = await (await this.nats.connection()).jetstreamManager();
    const prefix = `$KV.${PRESENCE.hubsBucket}.`;
    const info = await jsm.streams.info(`KV_${PRESENCE.hubsBucket}`, { subjects_filter: `${prefix}>` });
    const live: string[] = [];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const beat = json<HubHeartbeat>(await hubs.get(subject.slice(prefix.length)));
      if (beat && Date.now() - beat.at < PRESENCE.hubDeadAfterMs) live.push(beat.hubId);
    }
    return live;
  }

  async hubGone(hubId: string): Promise<void> {
    this.heartbeats.delete(hubId);
    const { hubs } = await this.kv();
    await hubs.delete(kvToken(hubId));
  }

  // ---- devices ------------------------------------------------------------------------------

  /** Claims the device for a new connection; returns the fencing epoch and the connection it replaced. */
  async claimDevice(
    tenantId: string,
    accountId: string,
    referenceId: string,
    hubId: string,
    connId: string,
  ): Promise<{ epoch: number; replaced?: DevicePresence }> {
    const { devices, lastSeen, inbox } = await this.kv();
    const key = deviceKey(tenantId, accountId, referenceId);
    const claim = (epoch: number) =>
      JSON.stringify({
        hubId,
        connId,
        epoch,
        connectedSince: new Date().toISOString(),
      } satisfies DevicePresence);
    // A device's first connection finds no entry at all: one compare-and-set ("no revision yet")
    // claims it without reading first, which halves the KV round trips of a connect storm
    // (done by hand: kvCreate).
    const first = epochFloor();
    if ((await kvCreate(inbox, PRESENCE.devicesBucket, key, claim(first))) === 'created')
      return { epoch: first };
    for (;;) {
      const current = await devices.get(key);
      const previous = json<DevicePresence>(current);
      // A released device's entry is gone (a delete marker): its last epoch was kept with lastSeen.
      const released = previous ? undefined : json<LastSeen>(await lastSeen.get(key))?.epoch;
      const epoch = Math.max((previous?.epoch ?? released ?? 0) + 1, epochFloor());
      try {
        // Compare-and-set on the entry's revision (a deleted entry has one too): two hubs racing
        // for one device get distinct epochs.
        if (current) await devices.update(key, claim(epoch), current.revision);
        else await devices.put(key, claim(epoch), { previousSeq: 0 });
        return { epoch, replaced: previous };
      } catch (error) {
        if (!isWrongRevision(error)) throw error;
      }
    }
  }

  /**
   * After a NATS outage: keeps this connection's claim if the entry is gone (a restarted server
   * lost it) or still ours; reports `superseded` when a newer connection claimed the device
   * meanwhile, and never takes a device back from it.
   */
  async reassertDevice(
    tenantId: string,
    accountId: string,
    referenceId: string,
    hubId: string,
    connId: string,
    epoch: number,
  ): Promise<'kept' | 'superseded'> {
    // Compare-and-set, so a repeat decides afresh: the hub closes a socket it could not re-assert,
    // and right after a reconnect the bucket's leader may still be moving.
    return this.whileMoving(() => this.reassertOnce(tenantId, accountId, referenceId, hubId, connId, epoch));
  }

  private async reassertOnce(
    tenantId: string,
    accountId: string,
    referenceId: string,
    hubId: string,
    connId: string,
    epoch: number,
  ): Promise<'kept' | 'superseded'> {
    const { devices } = await this.kv();
    const key = deviceKey(tenantId, accountId, referenceId);
    for (;;) {
      const current = await devices.get(key);
      const presence = json<DevicePresence>(current);
      if (presence?.connId === connId) return 'kept';
      if (presence && presence.epoch >= epoch) return 'superseded';
      const value = JSON.stringify({
        hubId,
        connId,
        epoch,
        connectedSince: new Date().toISOString(),
      } satisfies DevicePresence);
      try {
        if (current) await devices.update(key, value, current.revision);
        else await devices.put(key, value, { previousSeq: 0 });
        return 'kept';
      } catch (error) {
        if (!isWrongRevision(error)) throw error;
      }
    }
  }

  /** Releases the device if this connection still owns it (a newer one may have taken over). */
  async releaseDevice(
    tenantId: string,
    accountId: string,
    referenceId: string,
    connId: string,
  ): Promise<void> {
    const { devices, lastSeen } = await this.kv();
    const key = deviceKey(tenantId, accountId, referenceId);
    const current = await devices.get(key);
    const presence = json<DevicePresence>(current);
    // The epoch goes with it: the device's next claim continues above it (claimDevice).
    const seen: LastSeen = { lastSeen: new Date().toISOString(), epoch: presence?.epoch };
    await lastSeen.put(key, JSON.stringify(seen));
    if (presence?.connId !== connId) return;
    await devices.delete(key, { previousSeq: current!.revision }).catch((error: unknown) => {
      if (!isWrongRevision(error)) throw error;
    });
  }

  /** The connection a request for this device must go to, if its hub is alive. */
  async deviceOwner(
    tenantId: string,
    accountId: string,
    referenceId: string,
  ): Promise<DevicePresence | undefined> {
    // A read: asked again while the buckets' leaders (or this process's connection) move between NATS nodes.
    return this.whileMoving(async () => {
      const { devices } = await this.kv();
      const presence = json<DevicePresence>(await devices.get(deviceKey(tenantId, accountId, referenceId)));
      if (!presence || !(await this.isHubAlive(presence.hubId))) return undefined;
      return presence;
    });
  }

  /** Runs `op` again after a failure for as long as a NATS connection move takes (MovingRetry); `op` must be safe to repeat. */
  private async whileMoving<T>(op: () => Promise<T>): Promise<T> {
    let retry: MovingRetry | undefined;
    for (;;) {
      try {
        return await op();
      } catch (error) {
        retry ??= new MovingRetry();
        if (!(await retry.again())) throw error;
      }
    }
  }

  async deviceState(tenantId: string, accountId: string, referenceId: string): Promise<DeviceState> {
    const { lastSeen } = await this.kv();
    const presence = await this.deviceOwner(tenantId, accountId, referenceId);
    if (presence)
      return { connected: true, presence, connectedSince: presence.connectedSince, lastSeen: null };
    const seen = json<{ lastSeen: string }>(await lastSeen.get(deviceKey(tenantId, accountId, referenceId)));
    return { connected: false, lastSeen: seen?.lastSeen ?? null };
  }

  // ---- connection slots ------------------------------------------------------------------------

  /**
   * Publishes how many sockets this hub holds for an account. All hubs' counts for one account
   * live in one entry, updated by compare-and-set, so reading them is a single get: listing
   * keys (an ordered consumer in nats.js) can fail to end while hubs keep rewriting them.
   * `count` may be a function: it is read again on every attempt, so a lost race never writes
   * a number that went stale while it waited.
   */
  async setSlotCount(
    tenantId: string,
    accountId: string,
    hubId: string,
    count: number | (() => number),
  ): Promise<void> {
    const { slots } = await this.kv();
    const key = accountSlotPrefix(tenantId, accountId);
    for (;;) {
      const current = await slots.get(key);
      const counts = { ...(json<AccountSlots>(current)?.counts ?? {}) };
      const wanted = typeof count === 'function' ? count() : count;
      if ((counts[hubId] ?? 0) === wanted) return;
      if (wanted > 0) counts[hubId] = wanted;
      else delete counts[hubId];
      try {
        await this.writeSlots(slots, key, current, counts);
        return;
      } catch (error) {
        if (!isWrongRevision(error)) throw error;
      }
    }
  }

  /**
   * Reserves up to `wanted` more connection slots for `hubId` on the account, atomically across
   * every hub (issue 12 item 7): the grant and this hub's new count are written in one
   * compare-and-set on the account's entry, so two hubs admitting at once can never both take
   * the last slot. `own.count()` is what this hub holds and has reserved; `own.hold(n)` adds to
   * its reservations before the write (and takes them back if the write loses its race), so a
   * count this hub publishes meanwhile already includes them: over-counting for a moment is the
   * safe side. Answers how many were granted (0 at the limit).
   */
  async reserveSlots(
    tenantId: string,
    accountId: string,
    hubId: string,
    request: { wanted: number; limit: number },
    own: { count(): number; hold(n: number): void },
  ): Promise<number> {
    const { slots } = await this.kv();
    const key = accountSlotPrefix(tenantId, accountId);
    for (;;) {
      const current = await slots.get(key);
      const counts = { ...(json<AccountSlots>(current)?.counts ?? {}) };
      const others = await this.aliveTotal(counts, hubId);
      const mine = own.count();
      const granted = Math.max(0, Math.min(request.wanted, request.limit - others - mine));
      if (granted === 0) return 0;
      counts[hubId] = mine + granted;
      own.hold(granted);
      try {
        await this.writeSlots(slots, key, current, counts);
        return granted;
      } catch (error) {
        own.hold(-granted);
        if (!isWrongRevision(error)) throw error;
      }
    }
  }

  private async writeSlots(
    slots: KV,
    key: string,
    current: KvEntry | null,
    counts: Record<string, number>,
  ): Promise<void> {
    const value = JSON.stringify({ counts } satisfies AccountSlots);
    if (current) await slots.update(key, value, current.revision);
    else await slots.create(key, value);
  }

  /** The sum of `counts` over live hubs other than `exceptHubId`. */
  private async aliveTotal(counts: Record<string, number>, exceptHubId?: string): Promise<number> {
    const others = Object.entries(counts).filter(([hubId]) => hubId !== exceptHubId);
    const alive = await Promise.all(others.map(([hubId]) => this.isHubAlive(hubId)));
    return others.reduce((total, [, count], i) => total + (alive[i] ? count : 0), 0);
  }

  /** Sockets the account holds on live hubs other than `exceptHubId` (that hub counts its own exactly). */
  async slotsElsewhere(tenantId: string, accountId: string, exceptHubId?: string): Promise<number> {
    const { slots } = await this.kv();
    const counts = json<AccountSlots>(await slots.get(accountSlotPrefix(tenantId, accountId)))?.counts ?? {};
    return this.aliveTotal(counts, exceptHubId);
  }
}

/** 2020-01-01T00:00:00Z in ms. */
const EPOCH_ORIGIN_MS = Date.UTC(2020, 0, 1);

/**
 * The least epoch a new claim takes: seconds since 2020. Epochs stay strictly increasing per
 * device (a claim takes max(previous + 1, this)), and a device whose entry was lost with a
 * restarted NATS server (memory storage) still gets an epoch above every one it had before, so
 * the presence events ordered by epoch (issue 14) never see a new socket as an old one. Seconds,
 * not milliseconds: a 13-digit number at rest reads like a card number to scanners.
 */
function epochFloor(): number {
  return Math.floor((Date.now() - EPOCH_ORIGIN_MS) / 1000);
}

function json<T>(entry: KvEntry | null): T | undefined {
  if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
  return entry.json<T>();
}

function isWrongRevision(error: unknown): boolean {
  const e = error as { message?: string; api_error?: { err_code?: number } };
  return e?.api_error?.err_code === 10071 || /wrong last sequence|key exists/i.test(e?.message ?? '');
}
