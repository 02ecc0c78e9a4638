import type WebSocket from 'ws';
import { mapLimit, sleep } from '../support/async';
import { openWs } from '../support/open-socket';

/**
 * One host runs out of ephemeral ports towards one listening port at ~28k sockets (fewer with
 * TIME_WAIT leftovers), and the hub listens on 127.0.0.1 only: so sockets are spread over
 * source addresses 127.0.0.2, 127.0.0.3, ... (all of 127.0.0.0/8 is loopback on Linux).
 */
export const SOCKETS_PER_SOURCE_ADDRESS = 5000;

export function sourceAddress(index: number): string {
  return `127.0.0.${2 + Math.floor(index / SOCKETS_PER_SOURCE_ADDRESS)}`;
}

/** A hub handshake can stall (see the report's notes); give up on one after this long and retry. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ConnectBatch {
  sockets: WebSocket[];
  /** First connect attempt → last socket open. */
  ms: number;
  /** Attempts that failed and were retried (refusals, resets). */
  retries: number;
  /** Sockets that never opened after all retries. */
  failed: number;
  /** Why attempts failed, e.g. {"HTTP 429": 3}. */
  errors: Record<string, number>;
}

/**
 * Connects `tokens.length` sockets (socket i uses source address of firstIndex + i) with at most
 * `parallel` handshakes in flight, and times the whole batch.
 */
export async function connectBatch(
  url: string,
  tokens: readonly string[],
  firstIndex: number,
  parallel: number,
): Promise<ConnectBatch> {
  const errors: Record<string, number> = {};
  let retries = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  const sockets = await mapLimit(tokens, parallel, async (token, i) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await openWs(url, token, {
          localAddress: sourceAddress(firstIndex + i),
          timeoutMs: HANDSHAKE_TIMEOUT_MS,
        });
      } catch (error) {
        const why = (error as Error).message;
        errors[why] = (errors[why] ?? 0) + 1;
        if (attempt >= 4) {
          failed++;
          return undefined;
        }
        retries++;
        await sleep(50 * attempt);
      }
    }
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { sockets: sockets.filter((s): s is WebSocket => s !== undefined), ms, retries, failed, errors };
}

/** Closes sockets without waiting for each close handshake. */
export async function closeAll(sockets: WebSocket[]): Promise<void> {
  for (const ws of sockets.splice(0)) ws.terminate();
  await sleep(500);
}
