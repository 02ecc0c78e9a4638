import type { CloudFlowMessage } from '@cloudflow/contracts';
import WebSocket from 'ws';
import { HttpStatusError } from './credentials';

/** Opens a CloudFlow websocket; a refused upgrade rejects with its HTTP status and error body. */
export function openSocket(
  url: string,
  accessToken: string,
  via: 'header' | 'query' = 'header',
): Promise<WebSocket> {
  const target =
    via === 'query'
      ? `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(accessToken)}`
      : url;
  const ws = new WebSocket(
    target,
    via === 'header' ? { headers: { authorization: `Bearer ${accessToken}` } } : {},
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        let parsed: unknown = body;
        try {
          parsed = JSON.parse(body);
        } catch {
          /* keep text */
        }
        reject(new HttpStatusError(res.statusCode ?? 0, parsed));
      });
    });
    ws.once('error', reject);
  });
}

/** Collects every frame a socket receives and lets a caller wait for one. */
export class FrameLog {
  readonly frames: CloudFlowMessage[] = [];
  private waiters: Array<{
    match: (f: CloudFlowMessage) => boolean;
    resolve: (f: CloudFlowMessage) => void;
  }> = [];

  push(frame: CloudFlowMessage): void {
    this.frames.push(frame);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(frame)) return true;
      w.resolve(frame);
      return false;
    });
  }

  waitFor(
    match: (f: CloudFlowMessage) => boolean,
    timeoutMs = 10_000,
    what = 'a frame',
  ): Promise<CloudFlowMessage> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `Timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.frames.map((f) => f.type))}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }
}
