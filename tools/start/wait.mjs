// Small polling helpers: is a port taken, is an HTTP endpoint 200 yet.
import { createServer } from 'node:net';

/** True when something already listens on host:port (a previous `npm start`, another app). */
export function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (error) => resolve(error.code === 'EADDRINUSE' || error.code === 'EACCES'));
    srv.listen(port, host, () => srv.close(() => resolve(false)));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** GET url: status and (short) body text, or the network error's message. */
export async function probe(url, timeoutMs = 2000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { ok: res.status === 200, status: res.status, text: text.slice(0, 300) };
  } catch (error) {
    return { ok: false, status: 0, text: error.cause?.code ?? error.message };
  }
}

/** Retries check() until it returns true; throws the last reason after timeoutMs. */
export async function waitUntil(what, check, timeoutMs, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error.message;
      if (error.fatal) throw error;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what} was not ready after ${timeoutMs / 1000} s${last ? `: ${last}` : ''}`);
}
