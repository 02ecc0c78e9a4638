import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_RESPONSE_BYTES, WebhookHttpSender } from './webhook-http.sender';

describe('WebhookHttpSender: a receiver that never stops answering', () => {
  let server: Server;
  let written = 0;
  let port: number;

  beforeAll(async () => {
    // Answers 200 and then streams a body without end.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('takes the status and stops reading after 64 KiB', async () => {
    const sender = new WebhookHttpSender(5000);
    const started = Date.now();
    const result = await sender.send(
      { url: new URL(`http://127.0.0.1:${port}/hook`), address: '127.0.0.1', family: 4 },
      '{}',
      {},
    );
    sender.close();
    expect(result).toEqual({ httpStatus: 200, error: null });
    expect(Date.now() - started).toBeLessThan(4000);
    // The server could only push what the socket buffers took beyond what was read.
    expect(written).toBeLessThan(MAX_RESPONSE_BYTES * 64);
  });
});
