import WebSocket from 'ws';

/**
 * Opens a websocket the way a device or POS does (token in the Authorization header), with a
 * handshake deadline: a handshake the server never answers is aborted by ws itself, so a retry
 * can never race an abandoned socket that opens later. Refusals reject with `HTTP <status>`.
 */
export function openWs(
  url: string,
  token: string,
  options: { localAddress?: string; timeoutMs?: number } = {},
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${token}` },
      localAddress: options.localAddress,
      perMessageDeflate: false,
      handshakeTimeout: options.timeoutMs ?? 10_000,
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => undefined);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.once('error', (error: Error & { code?: string }) => reject(new Error(error.code ?? error.message)));
  });
}
