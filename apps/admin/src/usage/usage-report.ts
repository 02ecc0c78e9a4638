import type { UsageRow } from '@cloudflow/contracts';
import type { UsageRange } from './usage-range';

/** One ledger row as the usage endpoints show it: with the tenant and the developer's email. */
export interface UsageLine extends UsageRow {
  tenantId: string | null;
  email: string | null;
}

export interface UsageCounts {
  requests: number;
  paymentsSync: number;
  paymentsAsync: number;
}

export interface UsageReport extends UsageRange {
  rows: UsageLine[];
  totals: UsageCounts & {
    byTenant: Array<UsageCounts & { tenantId: string | null; developerId: string; email: string | null }>;
    byKey: Array<
      UsageCounts & { keyId: string; keyName: string | null; developerId: string; tenantId: string | null }
    >;
  };
}

const zero = (): UsageCounts => ({ requests: 0, paymentsSync: 0, paymentsAsync: 0 });
const add = (to: UsageCounts, row: UsageCounts) => {
  to.requests += row.requests;
  to.paymentsSync += row.paymentsSync;
  to.paymentsAsync += row.paymentsAsync;
};

/** Rows plus totals per tenant (developer) and per key, in the rows' order of first appearance. */
export function usageReport(range: UsageRange, rows: UsageLine[]): UsageReport {
  const all = zero();
  const tenants = new Map<string, UsageReport['totals']['byTenant'][number]>();
  const keys = new Map<string, UsageReport['totals']['byKey'][number]>();
  for (const row of rows) {
    add(all, row);
    let tenant = tenants.get(row.developerId);
    if (!tenant)
      tenants.set(
        row.developerId,
        (tenant = { tenantId: row.tenantId, developerId: row.developerId, email: row.email, ...zero() }),
      );
    add(tenant, row);
    let key = keys.get(row.keyId);
    if (!key)
      keys.set(
        row.keyId,
        (key = {
          keyId: row.keyId,
          keyName: row.keyName,
          developerId: row.developerId,
          tenantId: row.tenantId,
          ...zero(),
        }),
      );
    add(key, row);
  }
  return { ...range, rows, totals: { ...all, byTenant: [...tenants.values()], byKey: [...keys.values()] } };
}

export const CSV_COLUMNS = [
  'period',
  'tenantId',
  'developerId',
  'email',
  'keyId',
  'keyName',
  'keyKind',
  'group',
  'requests',
  'paymentsSync',
  'paymentsAsync',
] as const;

/**
 * RFC 4180 field: quoted when it holds a comma, quote or line break. A text cell a spreadsheet
 * would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'` (key names are the tenant's own text).
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The report's rows as CSV (one header line, CRLF line ends), for invoicing tools. */
export function usageCsv(report: UsageReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.rows) lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
