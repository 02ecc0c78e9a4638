import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { freePort, waitFor } from './ports';

/** One span as an OTLP/HTTP exporter sent it, with the resource (service) that made it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a trace's root. */
  parentSpanId?: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** `service.name` of the process that exported it. */
  service: string;
  /** `service.instance.id`. */
  instance?: string;
  attributes: Record<string, string | number | boolean>;
  startNs: bigint;
  endNs: bigint;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
}

export const OTLP_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/**
 * A stand-in OpenTelemetry collector for tests: an OTLP/HTTP endpoint on 127.0.0.1 that takes
 * `POST /v1/traces` in the OTLP JSON encoding (what @opentelemetry/exporter-trace-otlp-http
 * sends; gzip allowed), decodes every span and keeps it. Other encodings are answered 415, so an
 * exporter configured for protobuf fails loudly instead of being counted as "no spans".
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Requests it could not decode (a test asserts there were none). */
  readonly rejected: string[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(readonly port: number) {}

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver(await freePort());
    await receiver.listen();
    return receiver;
  }

  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to (the exporter appends /v1/traces). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every span of one trace, in arrival order. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  /** Waits until the spans of `traceId` satisfy `complete` (exports arrive in batches, per process). */
  waitForTrace(
    traceId: string,
    complete: (spans: ReceivedSpan[]) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<ReceivedSpan[]> {
    return waitFor(
      `${what} (trace ${traceId}: ${this.trace(traceId)
        .map((s) => `${s.service}:${s.name}`)
        .join(', ')})`,
      () => {
        const spans = this.trace(traceId);
        return Promise.resolve(complete(spans) ? spans : undefined);
      },
      timeoutMs,
      50,
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        if (type !== 'application/json') {
          this.rejected.push(`content-type ${type}`);
          res.writeHead(415, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        try {
          const raw = Buffer.concat(chunks);
          const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          this.spans.push(...decodeOtlpJson(JSON.parse(body.toString('utf8'))));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          this.rejected.push(error instanceof Error ? error.message : String(error));
          res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
        }
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        resolve();
      });
    });
  }
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

/**
 * ExportTraceServiceRequest in OTLP's JSON mapping: ids as hex strings (the JSON encoding's
 * exception to proto3 JSON), enums as numbers, 64-bit integers as strings or numbers.
 */
export function decodeOtlpJson(value: unknown): ReceivedSpan[] {
  const request = value as OtlpExport;
  if (!request || typeof request !== 'object' || !Array.isArray(request.resourceSpans))
    throw new Error('not an ExportTraceServiceRequest: resourceSpans missing');
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        if (!/^[0-9a-f]{32}$/.test(s.traceId) || !/^[0-9a-f]{16}$/.test(s.spanId))
          throw new Error(`span ${s.name}: ids are not hex (${s.traceId}/${s.spanId})`);
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ? s.parentSpanId : undefined,
          name: s.name,
          kind: s.kind,
          service: String(resource['service.name'] ?? ''),
          instance: resource['service.instance.id'] as string | undefined,
          attributes: attributes(s.attributes),
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          status: s.status?.code ?? 0,
        });
      }
    }
  }
  return out;
}

function attributes(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}
