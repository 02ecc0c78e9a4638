import {
  ArrayMaxSize,
  IsArray,
  IsString,
  isInt,
  isISO8601,
  isUUID,
  Length,
  registerDecorator,
} from 'class-validator';

/** A UTC calendar day, `YYYY-MM-DD`: the unit the daily usage limit counts in. */
export const USAGE_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** How many requests one instance admitted for one key since its last report. */
export interface UsageReportItem {
  keyId: string;
  /** The UTC day the requests were counted in. */
  day: string;
  count: number;
  lastUsedAt: string;
}

const ITEM_FIELDS = ['keyId', 'day', 'count', 'lastUsedAt'];

export function isUsageReportItem(value: unknown): value is UsageReportItem {
  if (!value || typeof value !== 'object') return false;
  const item = value as Record<string, unknown>;
  return (
    Object.keys(item).every((k) => ITEM_FIELDS.includes(k)) &&
    isUUID(item.keyId) &&
    typeof item.day === 'string' &&
    USAGE_DAY.test(item.day) &&
    isInt(item.count) &&
    (item.count as number) >= 1 &&
    (item.count as number) <= 100_000_000 &&
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
          '$property must be {keyId: uuid, day: YYYY-MM-DD, count: 1..1e8, lastUsedAt: ISO-8601} items',
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
