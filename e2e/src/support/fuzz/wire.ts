import { ERROR_HTTP_STATUS, ErrorCode, isErrorCode } from '@cloudflow/contracts';
import { Agent, request } from 'node:http';
import type { FuzzRequest } from './bad-requests';

export type Outcome =
  | { kind: 'answer'; status: number; contentType: string; text: string; ms: number }
  | { kind: 'hang'; ms: number }
  /** The request could not even be written by Node's client (a header value it refuses): not the server's fault. */
  | { kind: 'unsendable'; reason: string }
  /** `reusedSocket`: a kept-alive connection the server closed as this request went out (a race of every HTTP client, Node's docs: retry). */
  | { kind: 'reset'; reason: string; reusedSocket?: boolean };

/** Sends one request as it is (no URL normalisation: `..` and `%00` reach the server), with a deadline. */
export function send(base: URL, req: FuzzRequest, agent: Agent, timeoutMs: number): Promise<Outcome> {
  const started = Date.now();
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    let r: ReturnType<typeof request>;
    try {
      // An explicit length: Node's client sends a GET's body unframed otherwise, which is a broken request, not bad input.
      const headers = req.body ? { ...req.headers, 'content-length': String(req.body.length) } : req.headers;
      r = request(
        { host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({
              kind: 'answer',
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              text: Buffer.concat(chunks).toString('utf8'),
              ms: Date.now() - started,
            }),
          );
          res.on('error', (e) => done({ kind: 'reset', reason: e.message }));
        },
      );
    } catch (error) {
      resolve({ kind: 'unsendable', reason: (error as Error).message });
      return;
    }
    const timer = setTimeout(() => {
      done({ kind: 'hang', ms: Date.now() - started });
      r.destroy();
    }, timeoutMs);
    r.on('error', (e) => done({ kind: 'reset', reason: e.message, reusedSocket: r.reusedSocket }));
    r.end(req.body);
  });
}

/**
 * What is wrong with an answer, by the contract (CONTRACT.md §2): never a 5xx, and every error a
 * JSON body `{"errorCode","errorMessage"}` with a known code whose status is the status sent
 * (OAuth errors also carry RFC 6749's fields and may answer 400 for a bad request).
 */
export function contractProblem(outcome: Outcome, op: string): string | undefined {
  if (outcome.kind === 'hang') return `no answer within ${outcome.ms} ms`;
  if (outcome.kind !== 'answer') return undefined;
  const { status, text, contentType } = outcome;
  if (status >= 500) return `HTTP ${status}: ${text.slice(0, 200)}`;
  if (status < 400) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `HTTP ${status} with a body that is not JSON (${contentType}): ${JSON.stringify(text.slice(0, 120))}`;
  }
  const { errorCode, errorMessage, errorId } = (body ?? {}) as {
    errorCode?: unknown;
    errorMessage?: unknown;
    errorId?: unknown;
  };
  // `failed` with an errorId is the filter's answer to an exception nobody mapped: a 500 by another name.
  if (errorId !== undefined)
    return `HTTP ${status} unexpected failure (an unmapped exception): ${text.slice(0, 200)}`;
  if (!isErrorCode(errorCode) || typeof errorMessage !== 'string' || !errorMessage)
    return `HTTP ${status} not in the error shape: ${text.slice(0, 200)}`;
  const oauthBadRequest = op.endsWith('/auth/oauth/token') && status === 400;
  // Node's HTTP parser answers oversized headers with 431 before any route runs; the body still
  // carries the contract's `invalidData` (issue 12, item 9).
  const headersTooLarge = status === 431 && errorCode === ErrorCode.invalidData;
  if (ERROR_HTTP_STATUS[errorCode] !== status && !oauthBadRequest && !headersTooLarge)
    return `HTTP ${status} with errorCode ${errorCode} (that code is ${ERROR_HTTP_STATUS[errorCode]})`;
  return undefined;
}
