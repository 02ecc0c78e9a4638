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
 * Luhn-valid runs of 13–19 digits that could be card numbers. A digit run standing on its own
 * (or followed by the track-2 separators `D`/`=`) is judged by every 13–19 digit window of it. A
 * run glued to letters (hex hashes, base64 tokens) counts only in the encodings card data comes
 * in: after a label (`pan4111…`, `card…`) or right after an EMV TLV tag and length (`5A08` PAN,
 * `57xx` track-2 equivalent). A run that
 * reads as a Unix time in s/ms/µs/ns within `timeWindow` is not a card (log timestamps and
 * deadlines are 13-digit numbers and one in ten passes Luhn).
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
    const before = text.slice(Math.max(0, m.index - 12), m.index);
    const after = text[m.index + run.length] ?? '';
    const labelled = LABEL_BEFORE.test(before);
    const gluedLeft = /[A-Za-z]$/.test(before) && !labelled;
    const gluedRight = /[A-Za-z]/.test(after) && after !== 'D' && !labelled;
    const candidates = gluedLeft || gluedRight ? encodedCandidates(text, m.index, run) : windows(run);
    for (const candidate of candidates) {
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

/** A field name glued to the digits: `pan4111…`, `cardNumber4111…`, `acct=…` is already a boundary. */
const LABEL_BEFORE = /(?:pan|card|cardnumber|cardno|acct|account|number)$/i;

/**
 * The card-number candidates of a run glued to letters, read as EMV TLV: after tag `5A` (PAN) a
 * length byte of 7–10 and exactly that many bytes of digits (an odd PAN is padded with `F`);
 * after tag `57` (track 2 equivalent) the digits up to the `D` separator. Tying the digits to the
 * tag's own framing keeps a hex digest (which has `5A`s and `57`s too) from passing as one.
 */
function encodedCandidates(text: string, runStart: number, run: string): string[] {
  const out: string[] = [];
  const runEnd = runStart + run.length;
  const after = text[runEnd] ?? '';
  for (let i = Math.max(0, runStart - 4); i + 4 + 13 <= runEnd; i++) {
    const tag = text.slice(i, i + 2).toUpperCase();
    if ((tag !== '5A' && tag !== '57') || !/^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) continue;
    const digits = run.slice(i + 4 - runStart);
    if (tag === '5A') {
      const nibbles = 2 * parseInt(text.slice(i + 2, i + 4), 16);
      if (nibbles < 14 || nibbles > 20) continue;
      if (digits.length >= nibbles && nibbles <= 19) out.push(digits.slice(0, nibbles));
      else if (digits.length === nibbles - 1 && /[Ff]/.test(after)) out.push(digits);
    } else if (/[Dd=]/.test(after) && digits.length <= 19) out.push(digits);
  }
  return out;
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
