/**
 * An open-loop load generator: request i is due at start + i / rate whatever happened to the
 * earlier ones, so a slow server meets a growing queue instead of a politely waiting client
 * (no coordinated omission). Latency is measured from the due time, not from the actual send.
 */
export interface Sample {
  /** ms after the phase start the request was due. */
  dueMs: number;
  /** ms the client itself was late sending it (event-loop lag). */
  lagMs: number;
  latencyMs: number;
  /** HTTP status, or 0 when no answer came (refused, reset, client timeout). */
  status: number;
  /** The answer's `Retry-After` header, when it had one (issue 11: every 429/503 must carry it). */
  retryAfter?: string;
}

/** What `send` resolves with: a bare status, or the status with the answer's Retry-After. */
export type Answer = number | { status: number; retryAfter?: string };

export async function openLoop(
  rate: number,
  durationMs: number,
  send: (i: number) => Promise<Answer>,
): Promise<Sample[]> {
  const total = Math.round((rate * durationMs) / 1000);
  const samples: Sample[] = [];
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const dueMs = (i * 1000) / rate;
    const wait = start + dueMs - performance.now();
    // Sleep in ≥ 2 ms steps; whatever is due by then goes out in one burst.
    if (wait > 2) await new Promise((r) => setTimeout(r, wait));
    const sentAt = performance.now();
    pending.push(
      send(i).then(
        (answer) => {
          const { status, retryAfter } =
            typeof answer === 'number' ? { status: answer, retryAfter: undefined } : answer;
          samples.push({
            dueMs,
            lagMs: sentAt - start - dueMs,
            latencyMs: performance.now() - start - dueMs,
            status,
            ...(retryAfter !== undefined ? { retryAfter } : {}),
          });
        },
        () => {
          samples.push({
            dueMs,
            lagMs: sentAt - start - dueMs,
            latencyMs: performance.now() - start - dueMs,
            status: 0,
          });
        },
      ),
    );
  }
  await Promise.all(pending);
  return samples.sort((a, b) => a.dueMs - b.dueMs);
}
