import { ErrorCode } from '@cloudflow/contracts';
import { recordingSocket } from '@cloudflow/testing';
import { Connection, hubException } from './connection';

const device = { kind: 'device', tenantId: 't', accountId: 'a', referenceId: 'till-1' } as const;

describe('Connection.send', () => {
  const frame = hubException(ErrorCode.connectionLost, 'x', 'r-1', 'till-1');

  it('writes while the unsent data is under the cap', async () => {
    const socket = recordingSocket('device socket', { bufferedAmount: 1000 });
    const conn = new Connection(device, socket.ws);
    await conn.send(frame);
    expect(socket.sent).toHaveLength(1);
    expect(socket.closes).toEqual([]);
  });

  it('closes a socket that stopped reading with 1013 once its unsent data passes the cap, and writes nothing more', async () => {
    jest.useFakeTimers();
    try {
      const socket = recordingSocket('device socket', { bufferedAmount: 2 * 1024 * 1024 });
      const conn = new Connection(device, socket.ws);
      await expect(conn.send(frame)).rejects.toThrow(/slow consumer/);
      expect(socket.sent).toHaveLength(0);
      expect(socket.closes).toEqual([[1013, expect.stringMatching(/slow consumer/i)]]);
      expect(conn.closed).toBe(true);
      // The close frame waits behind the unread data: the socket is cut soon after.
      jest.advanceTimersByTime(1500);
      expect(socket.terminated()).toBeGreaterThan(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends a device the ack of its final answer', async () => {
    const socket = recordingSocket('device socket');
    const conn = new Connection(device, socket.ws);
    conn.sendAck('f-1');
    await Promise.resolve();
    expect(socket.sent[0]).toMatchObject({
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
