import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  isInt,
  isISO8601,
  isUUID,
  Length,
  Matches,
  registerDecorator,
} from 'class-validator';
import { API_GROUPS, type ApiGroup } from './app-key.messages';

/** A UTC calendar day, `YYYY-MM-DD`: the unit the daily usage limit counts in. */
export const USAGE_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * How many requests one instance admitted for one key, in one API group on one UTC day, since
 * its last report; for the Client API also the payments sent (the unit billing counts).
 */
export interface UsageReportItem {
  keyId: string;
  /** The UTC day the requests were counted in (an earlier day's late report is added to that day). */
  day: string;
  /** Requests admitted (0 when the item only carries payments). */
  count: number;
  lastUsedAt: string;
  /** The API group the requests were made to; absent = `client` (reporters older than the ledger). */
  group?: ApiGroup;
  /** Sync payments (websocket) and async payments (REST) sent. */
  paymentsSync?: number;
  paymentsAsync?: number;
}

const ITEM_FIELDS = ['keyId', 'day', 'count', 'lastUsedAt', 'group', 'paymentsSync', 'paymentsAsync'];
const MAX_COUNT = 100_000_000;
const isCount = (v: unknown) => isInt(v) && (v as number) >= 0 && (v as number) <= MAX_COUNT;
const isOptionalCount = (v: unknown) => v === undefined || isCount(v);

export function isUsageReportItem(value: unknown): value is UsageReportItem {
  if (!value || typeof value !== 'object') return false;
  const item = value as Record<string, unknown>;
  return (
    Object.keys(item).every((k) => ITEM_FIELDS.includes(k)) &&
    isUUID(item.keyId) &&
    typeof item.day === 'string' &&
    USAGE_DAY.test(item.day) &&
    isCount(item.count) &&
    isOptionalCount(item.paymentsSync) &&
    isOptionalCount(item.paymentsAsync) &&
    // An item that counts nothing is a reporter's bug, not a no-op to store.
    (item.count as number) + ((item.paymentsSync as number) ?? 0) + ((item.paymentsAsync as number) ?? 0) >=
      1 &&
    (item.group === undefined || (API_GROUPS as readonly unknown[]).includes(item.group)) &&
    isISO8601(item.lastUsedAt)
  );
}

/**
 * Validates every item's exact shape (unknown fields refused) without class-transformer's
 * nested types, which need reflect-metadata wherever contracts is loaded.
 */
function AreUsageReportItems(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'areUsageReportItems',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message:
          '$property must be {keyId: uuid, day: YYYY-MM-DD, count: 0..1e8, lastUsedAt: ISO-8601, group?, paymentsSync?, paymentsAsync?} items',
      },
      validator: { validate: (v: unknown) => Array.isArray(v) && v.every(isUsageReportItem) },
    });
}

/**
 * One instance's batch of usage increments (every ~250 ms while it serves traffic): one NATS
 * message for all keys, so the hot path never waits on NATS or the database.
 */
export class UsageReportRequest {
  /** The reporting instance, so it can recognise its own batch in the broadcast. */
  @IsString() @Length(1, 200) source: string;
  /**
   * The batch's identity: a batch resent after a lost answer carries the same id, and auth adds
   * a given id to the ledger once. Absent = not deduplicated (reporters older than the ledger).
   */
  @IsOptional() @IsUUID() reportId?: string;
  @IsArray() @ArrayMaxSize(50_000) @AreUsageReportItems() items: UsageReportItem[];
}

/** A key's cluster-wide count for a day, as persisted after a batch. */
export interface UsageTotal {
  keyId: string;
  day: string;
  usedToday: number;
}

export interface UsageTotals {
  totals: UsageTotal[];
}

/**
 * Broadcast by auth after each persisted batch: every gateway and admin instance learns each
 * key's cluster total (the daily limit) and what the other instances just admitted (the rate).
 */
export interface UsageReportedEvent {
  source: string;
  items: Array<UsageTotal & { added: number }>;
}

export const USAGE_GROUP_BY = ['day', 'month'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];

/** Ledger rows for invoicing (operator) and a tenant's own view (admin, portal). */
export class UsageQueryRequest {
  /** First and last UTC day, inclusive. */
  @Matches(USAGE_DAY) from: string;
  @Matches(USAGE_DAY) to: string;
  @IsIn(USAGE_GROUP_BY) groupBy: UsageGroupBy;
  @IsOptional() @IsArray() @ArrayMaxSize(10_000) @IsUUID('all', { each: true }) developerIds?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(10_000) @IsUUID('all', { each: true }) keyIds?: string[];
}

/** One key's counts in one API group for one period (`YYYY-MM-DD` or `YYYY-MM`). */
export interface UsageRow {
  period: string;
  keyId: string;
  developerId: string;
  keyName: string | null;
  keyKind: string;
  group: ApiGroup;
  requests: number;
  paymentsSync: number;
  paymentsAsync: number;
}

export interface UsageQueryResult {
  rows: UsageRow[];
}
