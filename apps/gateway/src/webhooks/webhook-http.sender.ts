import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { VettedTarget } from './webhook-target.vetter';

export interface SendResult {
  /** The receiver's status, or null when no answer came (refused, reset, timeout). */
  httpStatus: number | null;
  error: string | null;
}

/** Origins (× vetted address) with a pool of kept-alive connections; the least recently used goes first. */
const MAX_AGENTS = 256;
/** An idle connection is closed after this long: under Node's default 5 s server keep-alive, so a receiver rarely closes one under us. */
const IDLE_MS = 4000;
/**
 * How much of a receiver's answer is read (issue 12, item 9). Only the status matters; a
 * receiver that streams an endless body must not hold a delivery slot (or memory) hostage.
 * Past this the connection is dropped, the status already read still counts.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one signed body to a vetted target. The connection goes to the address the vetter
 * approved (a pinned `lookup`), while the URL's host name still names the server for TLS (SNI,
 * certificate check) and the Host header. Redirects are not followed: a 3xx is a failure.
 *
 * Connections are kept alive per origin AND approved address (issue 11: a new TCP/TLS connection
 * per delivery), so a socket only ever carries requests to the address it was vetted for. A
 * request on a reused socket that the receiver closed meanwhile is sent once more on a new one
 * (deliveries are at-least-once, keyed by their delivery id, so a repeat is allowed).
 */
export class WebhookHttpSender {
  private readonly agents = new Map<string, HttpAgent>();

  constructor(private readonly timeoutMs: number) {}

  async send(target: VettedTarget, body: string, headers: Record<string, string>): Promise<SendResult> {
    const first = await this.post(target, body, headers);
    return first.staleSocket ? this.post(target, body, headers) : first;
  }

  /** Closes every kept-alive connection (shutdown). */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private post(
    target: VettedTarget,
    body: string,
    headers: Record<string, string>,
  ): Promise<SendResult & { staleSocket?: boolean }> {
    const { url } = target;
    const options: RequestOptions = {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'CloudFlow-Webhooks/1.0',
      },
      agent: this.agentFor(target),
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: SendResult & { staleSocket?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req: ClientRequest = request(url, options, (res: IncomingMessage) => {
        // The body is of no interest, but must be read so the socket is released (and reused).
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read <= MAX_RESPONSE_BYTES) return;
          finish(outcome(res.statusCode ?? 0));
          res.destroy();
        });
        res.on('end', () => finish(outcome(res.statusCode ?? 0)));
        res.on('error', () => finish(outcome(res.statusCode ?? 0)));
      });
      const timer = setTimeout(() => {
        finish({ httpStatus: null, error: `no answer within ${this.timeoutMs} ms` });
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) =>
        finish({
          httpStatus: null,
          error: error.code ?? error.message,
          staleSocket: req.reusedSocket && error.code === 'ECONNRESET',
        }),
      );
      req.end(body);
    });
  }

  private agentFor({ url, address, family }: VettedTarget): HttpAgent {
    const key = `${url.protocol}//${url.host}\u0000${address}`;
    let agent = this.agents.get(key);
    if (agent) {
      // Most recently used last: eviction takes the front.
      this.agents.delete(key);
      this.agents.set(key, agent);
      return agent;
    }
    // Node 20 asks with `all: true` when it races address families; answer in either form.
    const pinned = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options?.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    }) as unknown as LookupFunction;
    const settings = { keepAlive: true, timeout: IDLE_MS, lookup: pinned };
    agent = url.protocol === 'https:' ? new HttpsAgent(settings) : new HttpAgent(settings);
    if (this.agents.size >= MAX_AGENTS) {
      const [oldestKey, oldest] = this.agents.entries().next().value!;
      this.agents.delete(oldestKey);
      oldest.destroy();
    }
    this.agents.set(key, agent);
    return agent;
  }
}

function outcome(status: number): SendResult {
  return status >= 200 && status < 300
    ? { httpStatus: status, error: null }
    : { httpStatus: status, error: `receiver answered ${status}` };
}
