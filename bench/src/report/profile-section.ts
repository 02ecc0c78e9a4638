import type { ProfileSummary } from '../support/cpu-profile';
import { table } from './tables';

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

/**
 * The "CPU profiles" section of a report: per profiled process its busy time and the top
 * self-time packages and functions. A profile covers the whole process life (start-up, set-up,
 * every phase), which the text says, so nobody reads it as one phase's cost.
 */
export function profileSection(summaries: ProfileSummary[], dir: string, entries = 8): string[] {
  if (!summaries.length)
    return [
      '## CPU profiles',
      '',
      `\`--profile ${dir}\` was given but no readable profile was written (a service killed instead of stopped writes none).`,
      '',
    ];
  const out = [
    '## CPU profiles (top self time)',
    '',
    `V8 CPU profiles of the services (\`--profile ${dir}\`, i.e. \`CLOUDFLOW_CPU_PROF\` for every service). A process profiles its whole life; the summary counts only the samples taken while the measured phases ran ("window"; start-up, set-up and warm-up left out) where a window is stated, else the whole life. Shares are of the busy time (samples not in \`(idle)\`); "(program)" is V8 and native work not attributed to JavaScript, "(garbage collector)" is GC. The profiler itself adds a few % of CPU.`,
    '',
  ];
  for (const s of summaries) {
    const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const span = s.windowed
      ? `${sec(s.totalMs)} window of ${sec(s.profiledMs)} profiled`
      : `${sec(s.totalMs)} profiled, whole life`;
    out.push(`### ${s.label}: ${sec(s.busyMs)} busy in a ${span}`, '');
    const rows = Array.from(
      { length: Math.min(entries, Math.max(s.packages.length, s.functions.length)) },
      (_, i) => {
        const p = s.packages[i];
        const f = s.functions[i];
        return [p ? p.name : '', p ? pct(p.share) : '', f ? `\`${f.name}\`` : '', f ? pct(f.share) : ''];
      },
    );
    out.push(table(['package / code', 'self', 'function', 'self'], rows), '', `File: \`${s.file}\``, '');
  }
  return out;
}
