import type { INestApplication } from '@nestjs/common';
import { websocketAsyncApiDocument } from '@cloudflow/contracts';
import type { Request, Response } from 'express';
import { dump } from 'js-yaml';

/** Where the websocket protocol's AsyncAPI document is served, beside the OpenAPI documents. */
export const WEBSOCKET_DOCS_PATH = '/docs/websocket/1.1';

/** The hubs `npm start` runs; a deployment's hub address is the `connectionUrl` the token call returns. */
const LOCAL_HUBS = [
  {
    name: 'hub-1',
    host: 'localhost:8090',
    description:
      'hub-1 under npm start (elsewhere: the connectionUrl of GET /client/v1.x/token or the device enrolment)',
  },
  { name: 'hub-2', host: 'localhost:8091', description: 'hub-2 under npm start' },
];

/**
 * Serves the AsyncAPI document (yaml and json) and a plain HTML view of it, without an APP key
 * like the OpenAPI documents. The view is rendered here (no script, no external asset), so it
 * works under the default strict headers.
 */
export function setupWebsocketDocs(app: INestApplication): void {
  const document = websocketAsyncApiDocument(LOCAL_HUBS);
  const yaml = dump(document, { noRefs: true, lineWidth: 120 });
  const json = JSON.stringify(document, null, 2);
  const html = renderView(document);
  const http = app.getHttpAdapter();
  http.get(`${WEBSOCKET_DOCS_PATH}/asyncapi.yaml`, (_req: Request, res: Response) => {
    res.type('application/yaml').send(yaml);
  });
  http.get(`${WEBSOCKET_DOCS_PATH}/asyncapi.json`, (_req: Request, res: Response) => {
    res.type('application/json').send(json);
  });
  http.get(WEBSOCKET_DOCS_PATH, (_req: Request, res: Response) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    res.type('text/html').send(html);
  });
}

interface ViewMessage {
  name: string;
  title: string;
  summary: string;
  examples: Array<{ payload: unknown }>;
}
interface ViewDocument {
  info: { title: string; version: string; description: string };
  channels: Record<
    string,
    { title: string; description: string; messages: Record<string, { $ref: string }> }
  >;
  operations: Record<
    string,
    { action: string; summary: string; channel: { $ref: string }; messages: Array<{ $ref: string }> }
  >;
  components: { messages: Record<string, ViewMessage> };
}

const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const last = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

function renderView(raw: Record<string, unknown>): string {
  const doc = raw as unknown as ViewDocument;
  const sections = Object.entries(doc.channels).map(([id, channel]) => {
    const rows = Object.values(doc.operations)
      .filter((op) => last(op.channel.$ref) === id)
      .flatMap((op) =>
        op.messages.map((m) => {
          const message = doc.components.messages[last(m.$ref)];
          const direction = op.action === 'send' ? 'hub → socket' : 'socket → hub';
          const example = esc(JSON.stringify(message.examples[0]?.payload, null, 2));
          return `<tr><td><code>${esc(message.name)}</code></td><td>${direction}</td><td>${esc(message.summary)}</td><td><pre>${example}</pre></td></tr>`;
        }),
      );
    return `<h2>${esc(channel.title)}</h2><p>${esc(channel.description)}</p>
<table><thead><tr><th>type</th><th>direction</th><th>meaning</th><th>example</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}pre{margin:0;font-size:12px;white-space:pre-wrap}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>AsyncAPI document: <a href="${WEBSOCKET_DOCS_PATH}/asyncapi.yaml">asyncapi.yaml</a> · <a href="${WEBSOCKET_DOCS_PATH}/asyncapi.json">asyncapi.json</a></p>
<pre>${esc(doc.info.description)}</pre>
${sections.join('\n')}
</body></html>`;
}
