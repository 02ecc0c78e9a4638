import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { VettedTarget } from './webhook-url.guard';

export interface SendResult {
  /** The receiver's status, or null when no answer came (refused, reset, timeout). */
  httpStatus: number | null;
  error: string | null;
}

/**
 * POSTs one signed body to a vetted target. The connection goes to the address the guard
 * approved (a pinned `lookup`), while the URL's host name still names the server for TLS (SNI,
 * certificate check) and the Host header. Redirects are not followed: a 3xx is a failure.
 */
export class WebhookHttpSender {
  constructor(private readonly timeoutMs: number) {}

  send(target: VettedTarget, body: string, headers: Record<string, string>): Promise<SendResult> {
    const { url, address, family } = target;
    // Node 20 asks with `all: true` when it races address families; answer in either form.
    const pinned = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options?.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    }) as unknown as LookupFunction;
    const options: RequestOptions = {
      method: 'POST',
      lookup: pinned,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'CloudFlow-Webhooks/1.0',
      },
      agent: false,
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = request(url, options, (res: IncomingMessage) => {
        // The body is of no interest, but must be read so the socket is released.
        res.resume();
        res.on('end', () => finish(outcome(res.statusCode ?? 0)));
        res.on('error', () => finish(outcome(res.statusCode ?? 0)));
      });
      const timer = setTimeout(() => {
        finish({ httpStatus: null, error: `no answer within ${this.timeoutMs} ms` });
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) =>
        finish({ httpStatus: null, error: error.code ?? error.message }),
      );
      req.end(body);
    });
  }
}

function outcome(status: number): SendResult {
  return status >= 200 && status < 300
    ? { httpStatus: status, error: null }
    : { httpStatus: status, error: `receiver answered ${status}` };
}
