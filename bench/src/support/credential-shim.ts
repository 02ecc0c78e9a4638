import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CredentialShim {
  url: string;
  close(): Promise<void>;
}

/**
 * Stands in for the gateway when the testing library's DeviceSimulator connects to the baseline
 * relay: it answers `GET /device/v1.x/devices/enrol` (and anything else) with connection
 * credentials holding a dummy token. The simulator is then pinned to its baseline socket with
 * `hubUrl`, so both sides of the comparison run the very same terminal code. Runs in the load
 * generator and only at connect time, so it costs the measured baseline nothing.
 */
export async function startCredentialShim(connectionUrl: string): Promise<CredentialShim> {
  const body = JSON.stringify({
    connectionType: 'websocket',
    connectionUrl,
    tokenType: 'jwt',
    accessToken: 'baseline-needs-no-token',
  });
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(body),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
