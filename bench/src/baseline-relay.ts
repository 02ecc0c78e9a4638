/**
 * The no-broker baseline of the relay benchmark (issue 3): one process, one `ws` server that
 * owns the device sockets and relays a client's `payment`/`request` frame to the target device
 * socket and the device's replies back to the requesting client socket, by requestId.
 * No auth, no NATS, no validation beyond what routing needs: it is the floor the real system is
 * compared against, so it does the same frame work (parse, stamp source/target, serialise, write)
 * and nothing more.
 *
 * Identity comes from the URL, because there is no token: `/ws?device=<referenceId>` or
 * `/ws?client=<name>`. Run directly it listens on 127.0.0.1 and prints `listening <port>`.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

interface Frame {
  type: string;
  requestId: string;
  originatingRequestId?: string | null;
  source?: string | null;
  target?: string | null;
  payload: Record<string, unknown>;
  [k: string]: unknown;
}

interface Device {
  ws: WebSocket;
  name: string;
  /** requestId → the client socket waiting for it (a device works on one request at a time). */
  inflight: Map<string, WebSocket>;
}

const FINAL = new Set(['paymentResponse', 'response', 'flowException']);

export interface BaselineRelay {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startBaselineRelay(port = 0, host = '127.0.0.1'): Promise<BaselineRelay> {
  const devices = new Map<string, Device>();
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: 64 * 1024,
    perMessageDeflate: false,
    clientTracking: true,
  });

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const query = new URL(req.url ?? '/', 'http://baseline').searchParams;
    const deviceName = query.get('device');
    ws.on('error', () => undefined);
    if (deviceName) {
      const device: Device = { ws, name: deviceName, inflight: new Map() };
      devices.get(deviceName)?.ws.close(4409, 'Replaced by a newer connection');
      devices.set(deviceName, device);
      ws.on('message', (data: RawData) => fromDevice(device, data));
      ws.on('close', () => {
        if (devices.get(deviceName) === device) devices.delete(deviceName);
        for (const [requestId, client] of device.inflight)
          send(client, exception('connectionLost', `Device '${deviceName}' disconnected`, requestId));
      });
    } else {
      const clientName = query.get('client') ?? 'client';
      ws.on('message', (data: RawData) => fromClient(ws, clientName, data));
    }
  });

  function fromClient(ws: WebSocket, clientName: string, data: RawData): void {
    const frame = parse(data);
    if (!frame) return send(ws, exception('invalidData', 'Frame is not a JSON object', null));
    if (frame.type !== 'payment' && frame.type !== 'request')
      return send(ws, exception('invalidData', `Unsupported type ${frame.type}`, frame.requestId));
    const device = devices.get(frame.target ?? '');
    if (!device)
      return send(
        ws,
        exception('connectionLost', `Device '${frame.target}' is not connected`, frame.requestId),
      );
    if (device.inflight.size > 0)
      return send(ws, exception('preconditionFailed', `Device '${device.name}' is busy`, frame.requestId));
    device.inflight.set(frame.requestId, ws);
    frame.source = clientName;
    send(device.ws, frame);
  }

  function fromDevice(device: Device, data: RawData): void {
    const frame = parse(data);
    const requestId = frame?.originatingRequestId;
    const client = requestId ? device.inflight.get(requestId) : undefined;
    if (!frame || !requestId || !client)
      return send(device.ws, exception('notFound', 'No such request in flight', requestId ?? null));
    if (FINAL.has(frame.type)) device.inflight.delete(requestId);
    frame.source = device.name;
    send(client, frame);
  }

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `ws://${host}:${bound}/ws`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

function parse(data: RawData): Frame | undefined {
  try {
    const value: unknown = JSON.parse((data as Buffer).toString('utf8'));
    return value && typeof value === 'object' && typeof (value as Frame).requestId === 'string'
      ? (value as Frame)
      : undefined;
  } catch {
    return undefined;
  }
}

function send(ws: WebSocket, frame: Frame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

function exception(errorCode: string, errorMessage: string, originatingRequestId: string | null): Frame {
  return {
    type: 'flowException',
    format: 'cloudflow',
    version: '1.0',
    requestId: randomUUID(),
    originatingRequestId,
    source: 'baseline',
    target: null,
    payload: { errorCode, errorMessage },
  };
}

if (require.main === module) {
  startBaselineRelay(Number(process.env.PORT ?? 0)).then(
    (relay) => console.log(`listening ${relay.port}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
