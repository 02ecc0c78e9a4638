// Turns a service's pino JSON line into one compact terminal line: time, service, level, message.
// The full JSON stays in .data/logs/<name>.log.

const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS = { 40: 33, 50: 31, 60: 31 };
const NAME_COLORS = [36, 35, 32, 34, 96, 95];
// Nest's start-up chatter (one line per module and per route) drowns the useful lines.
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (tty && code ? `\x1b[${code}m${text}\x1b[0m` : text);

export function makeFormatter(name, index, width) {
  const label = paint(NAME_COLORS[index % NAME_COLORS.length], name.padEnd(width));
  return (line) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      return `${'            '} ${label} ${line}`;
    }
    if (typeof entry !== 'object' || entry === null) return `${'            '} ${label} ${line}`;
    if (entry.level <= 30 && QUIET_CONTEXTS.has(entry.context)) return undefined;
    const time =
      typeof entry.time === 'string'
        ? entry.time.slice(11, 23)
        : new Date(entry.time ?? Date.now()).toISOString().slice(11, 23);
    const level = paint(COLORS[entry.level], LEVELS[entry.level] ?? String(entry.level).padEnd(5));
    let text = entry.msg ?? '';
    if (entry.level >= 40) {
      const detail = entry.err?.message ?? entry.error?.message ?? entry.reason ?? entry.errorId;
      if (detail) text += ` (${detail})`;
    }
    return `${time} ${label} ${level} ${text}`;
  };
}
