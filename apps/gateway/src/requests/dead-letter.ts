import { maskPans } from './request-body';

/** The stored copy of a dead letter at most (it is for looking at, not for replaying). */
const MAX_STORED_CHARS = 16 * 1024;

/**
 * The event as Postgres text can hold it: card numbers masked (on the raw JSON text, so even an
 * event too deep to walk is masked), NUL characters (which neither jsonb nor text accept) and
 * their JSON escapes shown as `\u0000`-free markers, cut to a size fit for the admin log.
 */
export function storableEvent(raw: string): string {
  const masked = maskPans(raw)
    .replace(/\u0000/g, '<NUL>')
    .replace(/\\u0000/gi, '<NUL>');
  return masked.length > MAX_STORED_CHARS ? `${masked.slice(0, MAX_STORED_CHARS)}…(cut)` : masked;
}

/**
 * Errors that say "this event can never be stored", as opposed to "not now": Postgres data
 * exceptions (class 22: e.g. 22P05, a \u0000 in jsonb) and program limits (class 54: e.g.
 * 54001, nesting too deep), and a RangeError from walking the payload ourselves (maximum
 * call stack size while masking a deeply nested payload). Anything else (a TypeError may be our
 * own bug) is retried and dead-lettered only on the event's last allowed delivery.
 */
export function isPermanentDataError(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown }; name?: unknown } | null;
  if (err instanceof RangeError || e?.name === 'RangeError') return true;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}
