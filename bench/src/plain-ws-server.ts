/**
 * The idle-socket reference of the relay benchmark: a plain `ws` server on /ws that accepts
 * every upgrade and does nothing else (no auth, no routing, no pings). The hub's RSS per socket
 * and its connect time for 10,000 devices are reported next to this one's, measured the same way.
 * Run directly it listens on 127.0.0.1 and prints `listening <port>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface PlainWsServer {
  port: number;
  url: string;
  /** Sockets open right now. */
  readonly count: number;
  close(): Promise<void>;
}

export async function startPlainWsServer(port = 0, host = '127.0.0.1'): Promise<PlainWsServer> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  // The hub's ws options, so the per-socket state is comparable.
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: 64 * 1024,
    perMessageDeflate: false,
    clientTracking: true,
  });
  wss.on('connection', (ws: WebSocket) => ws.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `ws://${host}:${bound}/ws`,
    get count() {
      return wss.clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  startPlainWsServer(Number(process.env.PORT ?? 0)).then(
    (srv) => console.log(`listening ${srv.port}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
