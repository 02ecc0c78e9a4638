/** Bounded concurrency helpers: the benchmark never starts unbounded work. */

/** Runs `fn` over the items with at most `limit` calls in flight; results in item order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with `what` in the message if the promise does not settle in time (the bench never waits forever). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `fn` up to `attempts` times, each bounded by `timeoutMs`; every failed attempt is noted
 * as an incident under `what` (a stalled call is abandoned, not cancelled: nothing else can be done).
 */
export async function retry<T>(
  what: string,
  fn: () => Promise<T>,
  note: (what: string) => void,
  attempts = 3,
  timeoutMs = 10_000,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTimeout(fn(), timeoutMs, what);
    } catch (error) {
      const timedOut = /^timed out after/.test((error as Error).message);
      note(
        `${what}: ${timedOut ? `no answer within ${timeoutMs / 1000} s` : (error as Error).message.slice(0, 120)}`,
      );
      if (attempt >= attempts) throw error;
      await sleep(100 * attempt);
    }
  }
}
