import type {
  ApiGroup,
  AppKeyInfo,
  UsageReportedEvent,
  UsageReportItem,
  UsageTotal,
} from '@cloudflow/contracts';
import { RecentWindow } from './recent-window';

export type Clock = () => number;

export type UsageVerdict =
  { allowed: true } | { allowed: false; reason: 'daily' | 'rate'; retryAfterSeconds: number };

/** A key's state on this instance; idle keys are forgotten after a while. */
interface KeyUsage {
  /** The UTC day the counts below belong to. */
  day: string;
  /** The cluster-wide count for `day` as auth last reported it (includes our settled reports). */
  known: number;
  /** Admitted here today and not yet reported (the limits' share of `unreported`). */
  pending: number;
  /** Reported, auth's answer not back yet. */
  inflight: number;
  lastUsedAt: number;
  own: RecentWindow;
  /** What the other instances admitted, as their batches were broadcast. */
  others: RecentWindow;
  touchedAt: number;
}

const IDLE_MS = 10 * 60_000;
/** Items per report batch (the contract allows 50,000): the rest waits for the next flush. */
export const MAX_BATCH_ITEMS = 10_000;
const DAY_MS = 86_400_000;

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Whole seconds until the next UTC midnight (at least 1), for the daily limit's Retry-After. */
export function secondsToUtcMidnight(now: number): number {
  return Math.max(1, Math.ceil((DAY_MS - (now % DAY_MS)) / 1000));
}

/**
 * Usage limits per APP key without a database write or a NATS round trip per request. Each
 * instance admits against the last cluster total auth reported plus what it admitted itself
 * since; batches go to auth every ~250 ms (UsageReporter) and auth broadcasts the new totals
 * and each batch's size to every instance.
 *
 * - Daily: known + inflight + pending < usageLimitPerDay. Another instance's unreported
 *   requests are invisible for at most one flush interval plus a round trip, so the cluster
 *   can overshoot by about (instances − 1) × (their admissions in ~300 ms), itself capped by
 *   the rate limit. Resets at UTC midnight.
 * - Rate: own admissions in the last second + the other instances' last broadcast batches in
 *   the last second < ratePerSecond. The others' share arrives up to ~300 ms late: the same
 *   bound applies.
 */
export class UsageLimiter {
  private readonly keys = new Map<string, KeyUsage>();
  /**
   * What the ledger has not been told yet, per key × UTC day × API group. Kept apart from the
   * limits' per-day state so a day that ends before its report leaves still reaches the ledger.
   */
  private readonly unreported = new Map<string, UsageReportItem>();

  constructor(private readonly clock: Clock = Date.now) {}

  /** Decides one request to `group`; an admitted request is counted at once. */
  admit(info: AppKeyInfo, group: ApiGroup = 'client'): UsageVerdict {
    const now = this.clock();
    const state = this.state(info.keyId, now);
    if (info.usage?.day === state.day) state.known = Math.max(state.known, info.usage.usedToday);
    if (state.known + state.inflight + state.pending >= info.usageLimitPerDay) {
      return { allowed: false, reason: 'daily', retryAfterSeconds: secondsToUtcMidnight(now) };
    }
    if (state.own.total(now) + state.others.total(now) >= info.ratePerSecond) {
      return { allowed: false, reason: 'rate', retryAfterSeconds: 1 };
    }
    state.pending++;
    state.own.add(now);
    state.lastUsedAt = now;
    this.entry(info.keyId, state.day, group, now).count++;
    return { allowed: true };
  }

  /** A payment the Client API sent for this key (billing); not part of any limit. */
  countPayment(keyId: string, kind: 'sync' | 'async'): void {
    const now = this.clock();
    const entry = this.entry(keyId, utcDay(now), 'client', now);
    if (kind === 'sync') entry.paymentsSync = (entry.paymentsSync ?? 0) + 1;
    else entry.paymentsAsync = (entry.paymentsAsync ?? 0) + 1;
  }

  /**
   * What to report now (every day and group not yet reported, at most MAX_BATCH_ITEMS): today's
   * counts move to in flight for the limits. Forgets idle keys.
   */
  takeBatch(): UsageReportItem[] {
    const now = this.clock();
    const items: UsageReportItem[] = [];
    for (const [id, item] of this.unreported) {
      if (items.length >= MAX_BATCH_ITEMS) break;
      this.unreported.delete(id);
      items.push(item);
      const state = this.keys.get(item.keyId);
      if (state?.day === item.day) {
        const moved = Math.min(state.pending, item.count);
        state.pending -= moved;
        state.inflight += moved;
      }
    }
    for (const [keyId, state] of this.keys) {
      if (state.pending === 0 && state.inflight === 0 && now - state.touchedAt > IDLE_MS)
        this.keys.delete(keyId);
    }
    return items;
  }

  /** Auth persisted our batch: its totals now include what was in flight. */
  settle(batch: UsageReportItem[], totals: UsageTotal[]): void {
    for (const total of totals) this.applyTotal(total);
    for (const item of batch) {
      const state = this.keys.get(item.keyId);
      if (state?.day === item.day) state.inflight = Math.max(0, state.inflight - item.count);
    }
  }

  /** Items waiting for the next batch (tests and diagnostics). */
  unreportedItems(): UsageReportItem[] {
    return [...this.unreported.values()].map((i) => ({ ...i }));
  }

  /** A batch auth persisted (ours or another instance's). */
  observe(event: UsageReportedEvent, self: string): void {
    const now = this.clock();
    for (const item of event.items) {
      this.applyTotal(item);
      const state = this.keys.get(item.keyId);
      // Our own admissions are already in `own`; counting them again would halve our rate.
      if (event.source !== self && state?.day === item.day) state.others.add(now, item.added);
    }
  }

  /** Today's count as this instance sees it (for tests and diagnostics). */
  usedToday(keyId: string): number {
    const state = this.keys.get(keyId);
    if (!state || state.day !== utcDay(this.clock())) return 0;
    return state.known + state.inflight + state.pending;
  }

  private applyTotal(total: UsageTotal): void {
    const state = this.state(total.keyId, this.clock());
    // Totals are monotonic within a day; a report of another day is stale (or from a skewed clock).
    if (total.day === state.day) state.known = Math.max(state.known, total.usedToday);
  }

  private entry(keyId: string, day: string, group: ApiGroup, now: number): UsageReportItem {
    const id = `${keyId}|${day}|${group}`;
    let item = this.unreported.get(id);
    if (!item) {
      item = { keyId, day, group, count: 0, lastUsedAt: '' };
      this.unreported.set(id, item);
    }
    item.lastUsedAt = new Date(now).toISOString();
    return item;
  }

  /** The key's state for today, reset when the UTC day has turned since it was last touched. */
  private state(keyId: string, now: number): KeyUsage {
    const day = utcDay(now);
    let state = this.keys.get(keyId);
    if (!state) {
      state = {
        day,
        known: 0,
        pending: 0,
        inflight: 0,
        lastUsedAt: now,
        own: new RecentWindow(),
        others: new RecentWindow(),
        touchedAt: now,
      };
      this.keys.set(keyId, state);
    } else if (state.day !== day) {
      // The limits start again; yesterday's unreported tail stays in `unreported`, under its own day.
      Object.assign(state, { day, known: 0, pending: 0, inflight: 0 });
    }
    state.touchedAt = now;
    return state;
  }
}
