import { ACK_TYPE } from './ack-frame';
import { WEBSOCKET_TOKEN_TTL_SECONDS } from './connection-credentials';
import { CLOSE_CODES, HUB_TYPES, MAX_FRAME_BYTES, MESSAGE_TYPES, START_TYPES } from './envelope';
import { EVENT_FRAME_TYPE } from './event-frame';
import { OPTIONAL_EVENT_TYPES, DISCONNECT_REASONS } from '../messages/relay/presence-events';

/**
 * The websocket protocol of both socket kinds (device and client) as an AsyncAPI 3.1 document.
 * Built from the same constants the hub validates with (message types, limits, close codes), and
 * checked against the hub's frame parser by apps/hub/src/routing/frame.parser.asyncapi.spec.ts,
 * so the document cannot drift from what the hub accepts. The gateway serves it at
 * /docs/websocket/1.1 (view) and /docs/websocket/1.1/asyncapi.yaml.
 */

const ID_PATTERN = '^[A-Za-z0-9._:-]+$';
// Every frame that is not a start refers to one by originatingRequestId: replies, and the cancel.
const REPLY_TYPES = MESSAGE_TYPES.filter((t) => !START_TYPES.has(t) && !HUB_TYPES.has(t));

/** The envelope fields as the hub checks them (libs/contracts/src/websocket/envelope.ts). */
const ENVELOPE_PROPERTIES = {
  format: { type: 'string', minLength: 1, maxLength: 32, description: 'Payload format, e.g. `appflow`.' },
  version: {
    type: 'string',
    minLength: 1,
    maxLength: 32,
    description: 'Payload format version, e.g. `2.1.2`.',
  },
  requestId: {
    type: 'string',
    minLength: 1,
    maxLength: 100,
    pattern: ID_PATTERN,
    description:
      "The frame's own id. A start frame's requestId names the transaction; reusing one gets `duplicateItem`.",
  },
  originatingRequestId: {
    type: ['string', 'null'],
    minLength: 1,
    maxLength: 100,
    pattern: ID_PATTERN,
    description: 'Replies: the requestId of the start frame they answer.',
  },
  source: {
    type: ['string', 'null'],
    maxLength: 200,
    description: "Set by the hub to the sender's identity; whatever a sender puts here is overwritten.",
  },
  target: {
    type: ['string', 'null'],
    minLength: 1,
    maxLength: 100,
    description:
      "Start frames: the device's referenceId (a device of the sender's own account, else `notFound`).",
  },
  payload: {
    type: 'object',
    description:
      'Opaque to the relay (shape and size only). Card numbers are masked before anything is stored or logged.',
  },
};

function envelope(
  types: readonly string[],
  required: string[],
  description: string,
): Record<string, unknown> {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: ['type', 'format', 'version', 'requestId', 'payload', ...required],
    properties: { type: { type: 'string', enum: [...types] }, ...ENVELOPE_PROPERTIES },
  };
}

const EXAMPLES = {
  payment: {
    type: 'payment',
    format: 'appflow',
    version: '2.1.2',
    requestId: '8a4c2f10-5b1e-4c7e-9d3a-0f6b2e9d1c01',
    originatingRequestId: null,
    target: 'till-7',
    payload: { id: 'sale-1', flowType: 'sale', amounts: { baseAmount: 1000, currency: 'EUR' } },
  },
  request: {
    type: 'request',
    format: 'appflow',
    version: '2.1.2',
    requestId: 'status-0001',
    target: 'till-7',
    payload: { id: 'status-1', requestType: 'status' },
  },
  paymentResponse: {
    type: 'paymentResponse',
    format: 'appflow',
    version: '2.1.2',
    requestId: 'resp-0001',
    originatingRequestId: '8a4c2f10-5b1e-4c7e-9d3a-0f6b2e9d1c01',
    payload: { id: 'sale-1', outcome: 'FULFILLED', transactions: [{ amount: 1000, currency: 'EUR' }] },
  },
  response: {
    type: 'response',
    format: 'appflow',
    version: '2.1.2',
    requestId: 'resp-0002',
    originatingRequestId: 'status-0001',
    payload: { id: 'status-1', status: 'idle' },
  },
  flowEvent: {
    type: 'flowEvent',
    format: 'appflow',
    version: '2.1.2',
    requestId: 'event-0001',
    originatingRequestId: '8a4c2f10-5b1e-4c7e-9d3a-0f6b2e9d1c01',
    payload: { event: 'cardInserted' },
  },
  cancel: {
    type: 'cancel',
    format: 'appflow',
    version: '2.1.2',
    requestId: 'cancel-0001',
    originatingRequestId: '8a4c2f10-5b1e-4c7e-9d3a-0f6b2e9d1c01',
    target: 'till-7',
    payload: {},
  },
  subscribe: {
    type: 'subscribe',
    format: 'cloudflow',
    version: '1.0',
    requestId: 'sub-0001',
    payload: { events: ['deviceConnected', 'deviceDisconnected'] },
  },
  flowException: {
    type: 'flowException',
    format: 'cloudflow',
    version: '1.0',
    requestId: 'exc-0001',
    originatingRequestId: '8a4c2f10-5b1e-4c7e-9d3a-0f6b2e9d1c01',
    source: 'cloudflow-hub',
    payload: { errorCode: 'connectionLost', errorMessage: 'Device is not connected' },
  },
} as const;

const MESSAGE_TEXT: Record<(typeof MESSAGE_TYPES)[number], { title: string; summary: string }> = {
  payment: { title: 'Payment', summary: 'Client → device: starts a payment transaction.' },
  request: {
    title: 'Request',
    summary: 'Client → device: starts a non-payment transaction (status, receipt reprint, …).',
  },
  paymentResponse: { title: 'Payment response', summary: "Device → client: the payment's final answer." },
  response: { title: 'Response', summary: "Device → client: a request's final answer." },
  flowEvent: {
    title: 'Flow event',
    summary: 'Either way: progress, prompts, receipts of a transaction in flight.',
  },
  cancel: {
    title: 'Cancel',
    summary:
      'Client → device: stop the transaction `originatingRequestId` if it has not finished. A terminal that stops it sends its usual final answer with `payload.outcome` "cancelled"; one that has finished ignores the cancel. The client\'s answer is the transaction\'s final frame either way (cancelled, or the result that won the race). `notFound` when no such transaction of this client is in flight.',
  },
  subscribe: {
    title: 'Subscribe',
    summary: `Client → hub: from now on push the account's events of the kinds in \`payload.events\` (${OPTIONAL_EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}) to this socket as \`event\` frames; an empty list stops them. The hub confirms with an \`ack\` naming the subscribe's requestId. A live view, at most once: a POS catches up on what it missed (e.g. while reconnecting) from \`GET /client/v1.1/events\`, whose ids are the same.`,
  },
  flowException: {
    title: 'Flow exception',
    summary:
      'Device or hub → client: the transaction failed. Hub-generated ones carry `{"errorCode","errorMessage"}` with `connectionLost`, `notFound`, `invalidData`, `duplicateItem` or `preconditionFailed`.',
  },
};

function messages(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const type of MESSAGE_TYPES) {
    const schema = START_TYPES.has(type) ? 'StartFrame' : HUB_TYPES.has(type) ? 'HubFrame' : 'ReplyFrame';
    out[type] = {
      name: type,
      title: MESSAGE_TEXT[type].title,
      summary: MESSAGE_TEXT[type].summary,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${schema}` },
      examples: [{ name: type, payload: EXAMPLES[type] }],
    };
  }
  out[ACK_TYPE] = {
    name: ACK_TYPE,
    title: 'Acknowledgement',
    summary:
      'Hub → device: the final answer named by `originatingRequestId` is durably stored; the device may forget it. A device keeps every unacknowledged final answer and sends it again after reconnecting (to any hub). Hub → client: the `subscribe` named by `originatingRequestId` took effect. A socket that sends one gets `invalidData`.',
    contentType: 'application/json',
    payload: { $ref: '#/components/schemas/AckFrame' },
    examples: [
      {
        name: 'ack',
        payload: {
          type: ACK_TYPE,
          format: 'cloudflow',
          version: '1.0',
          requestId: 'ack-0001',
          originatingRequestId: 'resp-0001',
          source: 'cloudflow-hub',
          target: 'till-7',
          payload: {},
        },
      },
    ],
  };
  out[EVENT_FRAME_TYPE] = {
    name: EVENT_FRAME_TYPE,
    title: 'Event',
    summary:
      "Hub → client only: one of the account's events, for a socket that subscribed to its kind. `requestId` is the event's id (the `CloudFlow-Delivery-Id` of its webhook delivery and its `id` in the events feed); `payload` is exactly the webhook's body. A socket that sends one gets `invalidData`.",
    contentType: 'application/json',
    payload: { $ref: '#/components/schemas/EventFrame' },
    examples: [
      {
        name: 'event',
        payload: {
          type: EVENT_FRAME_TYPE,
          format: 'cloudflow',
          version: '1.0',
          requestId: '3f1c9a2e-7b4d-4e8a-9c6f-1d2e3f4a5b6c',
          originatingRequestId: null,
          source: 'cloudflow-hub',
          target: 'pos-main-street',
          payload: {
            type: 'deviceDisconnected',
            referenceId: 'till-7',
            at: '2026-12-03T10:00:00.000Z',
            reason: 'livenessLost',
          },
        },
      },
    ],
  };
  return out;
}

const ref = (channel: string, names: readonly string[]) =>
  names.map((n) => ({ $ref: `#/channels/${channel}/messages/${n}` }));
const channelMessages = (names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [n, { $ref: `#/components/messages/${n}` }]));

const CLOSE_TEXT: Record<keyof typeof CLOSE_CODES, string> = {
  unauthorized: 'the credential behind the session was revoked, rotated or disabled (within 5 s)',
  replaced: 'a newer connection of the same device replaced this one',
  restart: 'the hub is shutting down: reconnect (to any hub)',
  tooBig: `a frame was larger than ${MAX_FRAME_BYTES} bytes`,
  policy: 'too many inbound frames were waiting on this socket',
  tryAgain: 'slow consumer, or the hub could not store a result: reconnect and resend',
};

function closeCodeTable(): string {
  return Object.entries(CLOSE_CODES)
    .map(([name, code]) => `- \`${code}\` (${name}): ${CLOSE_TEXT[name as keyof typeof CLOSE_CODES]}`)
    .join('\n');
}

/** The document (a plain object: the gateway serves it as yaml and json). */
export function websocketAsyncApiDocument(
  servers: Array<{ name: string; host: string; description: string }>,
): Record<string, unknown> {
  const fromClient = [...START_TYPES, 'flowEvent', 'cancel', ...HUB_TYPES];
  const toClient = [...REPLY_TYPES, ACK_TYPE, EVENT_FRAME_TYPE];
  const toDevice = [...START_TYPES, 'flowEvent', 'cancel', ACK_TYPE];
  const fromDevice = REPLY_TYPES;
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'CloudFlow websocket protocol',
      version: '1.1.0',
      description: [
        'Device (payment terminal) and client (POS) sockets on the hubs. Connect to the `connectionUrl` from',
        '`GET /device/v1.x/devices/enrol` or `GET /client/v1.x/token`, presenting the `accessToken` as',
        `\`Authorization: Bearer …\` or as query parameter \`access_token\`, within ${WEBSOCKET_TOKEN_TTL_SECONDS} s of issue.`,
        "The upgrade is refused without a 101 and with the contract's error body: 401 `unauthorized` (bad or expired token),",
        '429 `tooManyConnections` (account limit; device and client sockets of an account both count).',
        '',
        'Every frame is one JSON text message, the CloudFlow envelope. Malformed frames get a `flowException` with',
        '`invalidData` and the socket stays open. Replies are routed to the client that sent the request, wherever it is connected.',
        'A device has at most one socket: a new one replaces the old. Liveness: the hub pings every 20 s and drops a socket',
        'that misses a pong for 20 s more.',
        '',
        'Close codes:',
        closeCodeTable(),
      ].join('\n'),
      license: { name: 'Proprietary: CloudFlow terms of service', url: 'https://cloudflow.example/terms' },
    },
    defaultContentType: 'application/json',
    servers: Object.fromEntries(
      servers.map((s) => [
        s.name,
        {
          host: s.host,
          protocol: 'ws',
          pathname: '/ws',
          description: s.description,
          security: [
            { $ref: '#/components/securitySchemes/bearerToken' },
            { $ref: '#/components/securitySchemes/queryToken' },
          ],
        },
      ]),
    ),
    channels: {
      device: {
        address: '/ws',
        title: 'Device socket',
        description: 'A payment terminal, authenticated with a device websocket token (`kind: device`).',
        messages: channelMessages([...new Set([...toDevice, ...fromDevice])]),
      },
      client: {
        address: '/ws',
        title: 'Client (POS) socket',
        description:
          'A POS, authenticated with a client websocket token (`kind: client`); it may target only devices of its own account.',
        messages: channelMessages([...new Set([...fromClient, ...toClient])]),
      },
    },
    operations: {
      receiveFromClient: {
        action: 'receive',
        channel: { $ref: '#/channels/client' },
        summary: 'The hub receives start frames, flow events, cancels and subscribe frames from a POS.',
        messages: ref('client', fromClient),
      },
      sendToClient: {
        action: 'send',
        channel: { $ref: '#/channels/client' },
        summary:
          'The hub sends device replies and its own flow exceptions to the POS that started the transaction, and the account events the socket subscribed to.',
        messages: ref('client', toClient),
      },
      sendToDevice: {
        action: 'send',
        channel: { $ref: '#/channels/device' },
        summary:
          'The hub forwards start frames and flow events to the target device, and acknowledges stored final answers.',
        messages: ref('device', toDevice),
      },
      receiveFromDevice: {
        action: 'receive',
        channel: { $ref: '#/channels/device' },
        summary: 'The hub receives replies from a device and routes them to the requesting client.',
        messages: ref('device', fromDevice),
      },
    },
    components: {
      schemas: {
        StartFrame: envelope(
          [...START_TYPES],
          ['target'],
          'A frame that starts a transaction (client → device).',
        ),
        ReplyFrame: envelope(
          REPLY_TYPES,
          ['originatingRequestId'],
          'A frame that answers (or, for a cancel, stops) a start frame.',
        ),
        HubFrame: {
          ...envelope(
            [...HUB_TYPES],
            [],
            'A frame addressed to the hub itself (client → hub), part of no transaction.',
          ),
          properties: {
            type: { type: 'string', enum: [...HUB_TYPES] },
            ...ENVELOPE_PROPERTIES,
            payload: {
              type: 'object',
              required: ['events'],
              properties: {
                events: {
                  type: 'array',
                  uniqueItems: true,
                  items: { type: 'string', enum: [...OPTIONAL_EVENT_TYPES] },
                  description:
                    'The event kinds to push to this socket from now on (replacing any earlier subscribe); [] stops them.',
                },
              },
            },
          },
        },
        EventFrame: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'format', 'version', 'requestId', 'source', 'target', 'payload'],
          properties: {
            ...ENVELOPE_PROPERTIES,
            type: { type: 'string', const: EVENT_FRAME_TYPE },
            payload: {
              type: 'object',
              additionalProperties: false,
              required: ['type', 'referenceId', 'at'],
              properties: {
                type: { type: 'string', enum: [...OPTIONAL_EVENT_TYPES] },
                referenceId: { type: 'string' },
                at: { type: 'string', format: 'date-time' },
                reason: {
                  type: 'string',
                  enum: [...DISCONNECT_REASONS],
                  description: '`deviceDisconnected` only: why the socket closed.',
                },
              },
            },
          },
        },
        AckFrame: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'format', 'version', 'requestId', 'originatingRequestId', 'target', 'payload'],
          properties: { type: { type: 'string', const: ACK_TYPE }, ...ENVELOPE_PROPERTIES },
        },
      },
      messages: messages(),
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The websocket token on the upgrade request.',
        },
        queryToken: {
          type: 'httpApiKey',
          in: 'query',
          name: 'access_token',
          description: 'The same token as a query parameter (browsers).',
        },
      },
    },
    'x-max-frame-bytes': MAX_FRAME_BYTES,
    'x-close-codes': { ...CLOSE_CODES },
  };
}
