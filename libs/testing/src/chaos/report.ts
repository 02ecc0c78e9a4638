import { relative } from 'node:path';
import { REPO_ROOT } from '../services';
import { INVARIANTS, type Invariant } from './checker';
import type { CampaignResult } from './campaign';
import { FAULT_KINDS } from './nemesis';

/** bench/reports/chaos.md: what was injected, what the POS clients were told, what broke. */
export function renderReport(r: CampaignResult, command: string): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push('# Fault campaign (issue 9)', '');
  lines.push(
    `Run \`${command}\` on ${r.startedAt.toISOString()}: seed **${o.seed}**, ${Math.round(o.faultMs / 1000)} s of faults under load, ${Math.round(r.durationMs / 1000)} s in all.`,
  );
  lines.push(
    `3 hubs, 2 gateways, one nats-server, Postgres; ${o.devices} simulated devices in ${o.accounts} accounts of 2 tenants; ${o.rate} payments/s (half sync over the websocket, half async over REST with webhooks); request timeout ${o.requestTimeoutSeconds} s; a fault every ${o.faultEveryMs.join('–')} ms.`,
  );
  lines.push(
    `History: \`${relative(REPO_ROOT, r.historyFile)}\` (${r.historyEntries} JSON lines). Replay with the same seed (timing on a real machine still varies).`,
    '',
  );

  lines.push('## Faults injected', '', '| fault | count |', '|---|---:|');
  for (const k of FAULT_KINDS) lines.push(`| ${k} | ${r.faults[k] ?? 0} |`);
  lines.push(`| **all** | ${Object.values(r.faults).reduce((a, b) => a + b, 0)} |`, '');

  lines.push(
    '## Requests by outcome',
    '',
    'What the POS was told first (sync: the first final frame; async: the HTTP answer).',
    '',
    '| mode | told | requests | with a delivery |',
    '|---|---|---:|---:|',
  );
  const groups = new Map<string, { n: number; delivered: number }>();
  for (const q of r.requests) {
    const key = `${q.mode}|${q.detail}`;
    const g = groups.get(key) ?? { n: 0, delivered: 0 };
    g.n++;
    if (q.deliveries > 0) g.delivered++;
    groups.set(key, g);
  }
  for (const [key, g] of [...groups].sort((a, b) => b[1].n - a[1].n)) {
    const [mode, detail] = key.split('|');
    lines.push(`| ${mode} | ${detail} | ${g.n} | ${g.delivered} |`);
  }
  lines.push(
    `| **all** | | ${r.requests.length} | ${r.requests.filter((q) => q.deliveries > 0).length} |`,
    '',
  );
  if (r.missingDispatchedFlag > 0)
    lines.push(
      `${r.missingDispatchedFlag} connectionLost answer(s) carried no \`dispatched\` flag: checked as "outcome unknown" (0 or 1 deliveries allowed).`,
      '',
    );

  lines.push('## Violations by invariant', '', '| invariant | what it says | violations |', '|---|---|---:|');
  for (const inv of Object.keys(INVARIANTS) as Invariant[])
    lines.push(`| ${inv} | ${INVARIANTS[inv]} | ${r.violations.filter((v) => v.invariant === inv).length} |`);
  lines.push('');
  for (const inv of Object.keys(INVARIANTS) as Invariant[]) {
    const vs = r.violations.filter((v) => v.invariant === inv);
    if (vs.length === 0) continue;
    lines.push(`### ${inv} (${vs.length})`, '');
    const kinds = new Map<string, number>();
    for (const v of vs) {
      const kind = v.message.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…').replace(/\d+/g, 'N');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    lines.push('By kind:', '');
    for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1])) lines.push(`- ${n} × ${kind}`);
    lines.push('');
    for (const v of vs.slice(0, 5)) {
      lines.push(
        `- \`${v.requestId ?? '-'}\`: ${v.message}`,
        '',
        '  ```',
        ...v.excerpt.map((e) => `  ${JSON.stringify(e).slice(0, 400)}`),
        '  ```',
      );
    }
    if (vs.length > 5) lines.push(`- … and ${vs.length - 5} more (all in the history file).`);
    lines.push('');
  }
  return lines.join('\n');
}
