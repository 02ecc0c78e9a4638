import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The test cards the simulated devices put in their payloads (all Luhn-valid). */
export const TEST_CARDS = [
  { pan: '4111111111111111', track2: '4111111111111111D25122010000012300000' },
  { pan: '5555555555554444', track2: '5555555555554444=26011010000045600000' },
  { pan: '378282246310005', track2: '378282246310005D27031010000078900000' },
];

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export interface PanHit {
  masked: string;
  context: string;
}

/**
 * Luhn-valid runs of 13–19 digits that could be card numbers. Two exclusions keep the scan
 * from crying wolf on our own data, and each is narrow: a digit run glued to a letter on
 * the left, or to a letter on the right other than the track-2 separators `D`/`=` (hex hashes,
 * base64 tokens); and a run that reads as a Unix time in s/ms/µs/ns within `timeWindow`
 * (log timestamps and deadlines are 13-digit numbers and one in ten passes Luhn).
 */
export function findPans(
  text: string,
  timeWindow: [number, number] = [Date.now() - 7 * 86_400_000, Date.now() + 86_400_000],
): PanHit[] {
  const hits: PanHit[] = [];
  // Whole digit runs, so the neighbours checked are the run's own (a 64-digit-long stretch of a
  // hex hash is judged by the letters around it, not cut into a 19-digit piece that ends in a digit).
  const re = /\d{13,}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const run = m[0];
    const before = m.index > 0 ? text[m.index - 1] : '';
    const after = text[m.index + run.length] ?? '';
    if (/[A-Za-z]/.test(before)) continue;
    if (/[A-Za-z]/.test(after) && after !== 'D') continue;
    // A longer run may still hold a card number: every 13–19 digit window of it is tried.
    for (const candidate of windows(run)) {
      if (!luhnValid(candidate) || looksLikeTime(candidate, timeWindow)) continue;
      hits.push({
        masked: mask(candidate),
        context: maskContext(text.slice(Math.max(0, m.index - 40), m.index + run.length + 20)),
      });
      break;
    }
  }
  return hits;
}

function windows(run: string): string[] {
  if (run.length <= 19) return [run];
  const out: string[] = [];
  for (let len = 13; len <= 19; len++)
    for (let i = 0; i + len <= run.length; i++) out.push(run.slice(i, i + len));
  return out;
}

function looksLikeTime(run: string, [from, to]: [number, number]): boolean {
  const n = Number(run);
  return [1e-3, 1, 1e3, 1e6].some((per) => {
    const ms = n / per;
    return ms >= from && ms <= to;
  });
}

/** A snippet for the report: whole runs masked, and runs the slice cut short (a card number's tail) shortened too. */
function maskContext(snippet: string): string {
  return snippet
    .replace(/\d{8,}/g, (run) =>
      run.length >= 13 ? mask(run) : `${run.slice(0, 4)}${'*'.repeat(run.length - 4)}`,
    )
    .replace(/[^\x20-\x7e]/g, '.');
}

/** First six and last four, as a receipt shows it: reports never print a whole card number. */
export function mask(text: string): string {
  return text.replace(
    /\d{13,19}/g,
    (run) => `${run.slice(0, 6)}${'*'.repeat(run.length - 10)}${run.slice(-4)}`,
  );
}

/** Every file under `dir` (recursively), read as latin1 so binary store files scan byte for byte. */
export function scanDirectory(
  dir: string,
  filter: (path: string) => boolean = () => true,
): { filesScanned: number; hits: Array<PanHit & { file: string }> } {
  const hits: Array<PanHit & { file: string }> = [];
  let filesScanned = 0;
  const walk = (path: string) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      return;
    }
    if (!filter(path)) return;
    filesScanned++;
    for (const hit of findPans(readFileSync(path).toString('latin1'))) hits.push({ ...hit, file: path });
  };
  walk(dir);
  return { filesScanned, hits };
}
