import type { CloudFlowMessage } from '@cloudflow/contracts';
import { Connection } from '../connections/connection';
import { HubConfig } from '../hub.config';
import { ClientFrames } from './client-frames';

const frame = (type: CloudFlowMessage['type'], requestId: string): CloudFlowMessage => ({
  type,
  format: 'appflow',
  version: '1',
  requestId,
  originatingRequestId: 'r1',
  payload: type === 'flowEvent' ? { stage: 'insert card' } : { outcome: 'FULFILLED' },
});

describe('ClientFrames replies', () => {
  it('writes a final answer the device hub sends again (its first try unconfirmed) only once; events as they come', async () => {
    const sent: CloudFlowMessage[] = [];
    const ws = {
      OPEN: 1,
      readyState: 1,
      send: (data: string, cb: (err?: Error) => void) => {
        sent.push(JSON.parse(data) as CloudFlowMessage);
        cb();
      },
      close: jest.fn(),
      terminate: jest.fn(),
    };
    const pos = new Connection({ kind: 'client', tenantId: 't', accountId: 'a' }, ws as never);
    // Replies touch none of these: an unexpected call fails the test.
    const none = {} as never;
    const frames = new ClientFrames(none, none, none, new HubConfig(), none, none, none, none);
    for (const f of [
      frame('flowEvent', 'e1'),
      frame('paymentResponse', 'f1'),
      frame('paymentResponse', 'f1'),
    ])
      expect(await frames.onBus(pos, { kind: 'reply', frame: f })).toEqual({ ok: true });
    expect(sent.map((f) => f.requestId)).toEqual(['e1', 'f1']);
  });
});
