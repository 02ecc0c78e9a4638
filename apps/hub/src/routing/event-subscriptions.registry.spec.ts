import type { CloudFlowMessage } from '@cloudflow/contracts';
import type { NatsConnectionOwner } from '@cloudflow/platform';
import { recordingSocket, strictMock, type RecordingSocket } from '@cloudflow/testing';
import type { Msg, NatsConnection, NatsError, Subscription } from 'nats';
import type { Logger } from 'pino';
import { Connection } from '../connections/connection';
import { EventSubscriptions } from './event-subscriptions.registry';

type Callback = (err: NatsError | null, msg: Msg) => void;

const utf8 = new TextEncoder();
const event = (over: Record<string, unknown> = {}) => ({
  tenantId: 't1',
  accountId: 'pos-1',
  id: 'delivery-1',
  type: 'deviceConnected',
  body: { type: 'deviceConnected', referenceId: 'till-1', at: '2026-12-07T10:00:00.000Z' },
  ...over,
});

// What reaches a subscribed POS socket from the pushed-events subject: only a valid event of its
// own account, of a kind it asked for; anything else is dropped with a warning.
describe('EventSubscriptions: pushed events to subscribed POS sockets', () => {
  let callback: Callback | undefined;
  let socket: RecordingSocket;
  let conn: Connection;
  const warn = jest.fn();
  const logger = strictMock<Logger>('logger', { warn });
  const nc = strictMock<NatsConnection>('nc', {
    subscribe: (_subject: string, opts?: { callback?: Callback }) => {
      callback = opts?.callback;
      return strictMock<Subscription>('subscription', { unsubscribe: jest.fn() });
    },
  });
  const owner = strictMock<NatsConnectionOwner>('nats', { connection: async () => nc });
  const push = (value: unknown) =>
    callback!(null, { data: utf8.encode(typeof value === 'string' ? value : JSON.stringify(value)) } as Msg);

  beforeEach(async () => {
    warn.mockClear();
    socket = recordingSocket('pos');
    conn = new Connection({ kind: 'client', tenantId: 't1', accountId: 'pos-1' }, socket.ws, 'c1');
    const subs = new EventSubscriptions(owner, logger);
    const frame = { type: 'subscribe', requestId: 'sub-1', payload: { events: ['deviceConnected'] } };
    await subs.subscribe(conn, frame as unknown as CloudFlowMessage);
    socket.sent.length = 0; // the subscribe's ack
  });

  it('writes a valid event of the account, of a kind asked for, as an event frame', async () => {
    push(event());
    await new Promise((r) => setImmediate(r));
    expect(socket.sent).toEqual([
      expect.objectContaining({ requestId: 'delivery-1', target: 'pos-1', payload: event().body }) as unknown,
    ]);
    expect(warn).not.toHaveBeenCalled();
  });

  it.each([
    ['not JSON', '{oops'],
    ['no body', event({ body: undefined })],
    ['a body of an unknown kind', event({ body: { ...event().body, type: 'requestMessage' } })],
    ['another account', event({ accountId: 'pos-2' })],
    ['another tenant', event({ tenantId: 't2' })],
  ])('drops %s with a warning, writing nothing', async (_what, value) => {
    push(value);
    push(event({ id: 'delivery-2' }));
    await new Promise((r) => setImmediate(r));
    // The valid event after it still arrives: the bad one was dropped, not fatal.
    expect(socket.sent).toEqual([expect.objectContaining({ requestId: 'delivery-2' }) as unknown]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('leaves out kinds the socket did not ask for', async () => {
    push(
      event({
        type: 'deviceDisconnected',
        body: { ...event().body, type: 'deviceDisconnected', reason: 'closed' },
      }),
    );
    push(event({ id: 'delivery-3' }));
    await new Promise((r) => setImmediate(r));
    expect(socket.sent).toEqual([expect.objectContaining({ requestId: 'delivery-3' }) as unknown]);
  });
});
