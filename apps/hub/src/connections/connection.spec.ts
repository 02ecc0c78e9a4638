import { ErrorCode } from '@cloudflow/contracts';
import type { WebSocket } from 'ws';
import { Connection, hubException } from './connection';

/** Just enough of a ws socket: what was written, how it was closed, how much is still unsent. */
function fakeSocket(bufferedAmount: number) {
  const ws = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount,
    sent: [] as string[],
    closedWith: undefined as undefined | [number, string],
    send(data: string, cb: (err?: Error) => void) {
      ws.sent.push(data);
      cb();
    },
    close(code: number, reason: string) {
      ws.closedWith = [code, reason];
    },
    terminate: jest.fn(),
  };
  return ws;
}

describe('Connection.send', () => {
  const frame = hubException(ErrorCode.connectionLost, 'x', 'r-1', 'till-1');

  it('writes while the unsent data is under the cap', async () => {
    const ws = fakeSocket(1000);
    const conn = new Connection(
      { kind: 'device', tenantId: 't', accountId: 'a', referenceId: 'till-1' },
      ws as unknown as WebSocket,
    );
    await conn.send(frame);
    expect(ws.sent).toHaveLength(1);
    expect(ws.closedWith).toBeUndefined();
  });

  it('closes a socket that stopped reading with 1013 once its unsent data passes the cap, and writes nothing more', async () => {
    jest.useFakeTimers();
    try {
      const ws = fakeSocket(2 * 1024 * 1024);
      const conn = new Connection(
        { kind: 'device', tenantId: 't', accountId: 'a', referenceId: 'till-1' },
        ws as unknown as WebSocket,
      );
      await expect(conn.send(frame)).rejects.toThrow(/slow consumer/);
      expect(ws.sent).toHaveLength(0);
      expect(ws.closedWith).toEqual([1013, expect.stringMatching(/slow consumer/i)]);
      expect(conn.closed).toBe(true);
      // The close frame waits behind the unread data: the socket is cut soon after.
      jest.advanceTimersByTime(1500);
      expect(ws.terminate).toHaveBeenCalled();
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends a device the ack of its final answer', async () => {
    const ws = fakeSocket(0);
    const conn = new Connection(
      { kind: 'device', tenantId: 't', accountId: 'a', referenceId: 'till-1' },
      ws as unknown as WebSocket,
    );
    conn.sendAck('f-1');
    await Promise.resolve();
    expect(JSON.parse(ws.sent[0])).toMatchObject({
      type: 'ack',
      format: 'cloudflow',
      version: '1.0',
      originatingRequestId: 'f-1',
      source: 'cloudflow-hub',
      target: 'till-1',
      payload: {},
    });
  });
});
