import type { Request, Response } from 'express';
import { usageCsv, type UsageReport } from './usage-report';

/** True when the caller asked for CSV (`Accept: text/csv`) rather than JSON. */
export function wantsCsv(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => part.trim().toLowerCase().startsWith('text/csv'));
}

/** The report as JSON, or as a CSV download named for its range. */
export function sendUsage(req: Request, res: Response, report: UsageReport): UsageReport | string {
  res.setHeader('Cache-Control', 'no-store');
  if (!wantsCsv(req)) return report;
  res.type('text/csv; charset=utf-8');
  res.setHeader(
    'Content-Disposition',
    `attachment; filename="cloudflow-usage-${report.from}-${report.to}.csv"`,
  );
  return usageCsv(report);
}
