import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { retryAfterMs, retryDelay, retryingFetch } from './retry';

const policy = { maxAttempts: 4, maxDelayMs: 10_000, baseDelayMs: 100 };

describe('retry policy', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 5)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(
      5000,
    );
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('retries only 429 and 503, within the attempts, and gives a daily limit back at once', () => {
    expect(retryDelay(429, '1', 1, policy)).toBe(1000);
    expect(retryDelay(503, null, 3, policy, () => 1)).toBe(400);
    expect(retryDelay(429, '1', 4, policy)).toBeUndefined();
    expect(retryDelay(500, '1', 1, policy)).toBeUndefined();
    expect(retryDelay(422, null, 1, policy)).toBeUndefined();
    // Retry-After to UTC midnight: not waited out.
    expect(retryDelay(429, '36000', 1, policy)).toBeUndefined();
  });
});

describe('retryingFetch against a real HTTP server', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];
  let refusals = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(body);
        if (refusals-- > 0) {
          res
            .writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' })
            .end('{"errorCode":"tooManyRequests","errorMessage":"slow down"}');
        } else res.writeHead(202, { 'content-type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('resends the same body until the server accepts it', async () => {
    refusals = 2;
    seen.length = 0;
    const res = await retryingFetch(policy)(url, { method: 'POST', body: '{"requestId":"r-1"}' });
    expect(res.status).toBe(202);
    expect(seen).toEqual(['{"requestId":"r-1"}', '{"requestId":"r-1"}', '{"requestId":"r-1"}']);
  });

  it('returns the last refusal once the attempts are spent', async () => {
    refusals = 10;
    seen.length = 0;
    const res = await retryingFetch({ ...policy, maxAttempts: 2 })(url, { method: 'POST', body: 'x' });
    expect(res.status).toBe(429);
    expect(seen).toHaveLength(2);
  });
});
