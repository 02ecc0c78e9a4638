import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const CORRELATION_HEADER = 'x-correlation-id';

interface RequestContext {
  correlationId: string;
  /** performance.now() when the HTTP request reached this process (unset for NATS handlers). */
  receivedAt?: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs fn with a correlation id that logs and outgoing NATS messages pick up. */
export function runWithCorrelation<T>(
  correlationId: string | undefined,
  fn: () => T,
  receivedAt?: number,
): T {
  return storage.run({ correlationId: sanitize(correlationId) ?? randomUUID(), receivedAt }, fn);
}

/** How long ago (ms) the current HTTP request reached this process: its queueing so far; undefined outside one. */
export function currentRequestAgeMs(): number | undefined {
  const at = storage.getStore()?.receivedAt;
  return at === undefined ? undefined : performance.now() - at;
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

function sanitize(id: string | undefined): string | undefined {
  return id && /^[A-Za-z0-9._:-]{1,100}$/.test(id) ? id : undefined;
}
