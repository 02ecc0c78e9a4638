import { ErrorCode, type BusAck, type BusMessage } from '@cloudflow/contracts';
import { deliverWithResend } from './deliver-with-resend';

type Deliver = Extract<BusMessage, { kind: 'deliver' }>;
type Answer = BusAck & { unknown?: boolean };

const msg: Deliver = {
  kind: 'deliver',
  frame: { type: 'payment', format: 'appflow', version: '1', requestId: 'r1', payload: {} },
  requester: 'a',
  deadline: 0,
  epoch: 1,
};
const timedOut: Answer = {
  ok: false,
  errorCode: ErrorCode.connectionLost,
  errorMessage: 'The connection did not answer in time',
  timedOut: true,
};
const gone: Answer = {
  ok: false,
  errorCode: ErrorCode.connectionLost,
  errorMessage: 'The connection is gone',
  noResponders: true,
};

/** A bus that answers each attempt in turn and records what was sent with which time-out. */
function bus(answers: Answer[]) {
  const sent: Array<{ resend?: boolean; timeoutMs: number }> = [];
  const send = async (m: Deliver, timeoutMs: number): Promise<Answer> => {
    sent.push({ resend: m.resend, timeoutMs });
    return answers.shift() ?? timedOut;
  };
  return { sent, send };
}

describe('deliverWithResend', () => {
  it('returns the first answer when it is definite: ok, or a refusal (nothing was written)', async () => {
    for (const first of [{ ok: true } as Answer, gone]) {
      const b = bus([first]);
      expect(await deliverWithResend(b.send, msg, Date.now() + 5000, 100)).toBe(first);
      expect(b.sent).toEqual([{ resend: undefined, timeoutMs: 100 }]);
    }
  });

  it('sends the same delivery again, marked resend, after a lost answer, and takes a repeated ok as delivered', async () => {
    const b = bus([
      timedOut,
      { ok: false, errorCode: ErrorCode.connectionLost, errorMessage: 'Messaging failed', unknown: true },
      { ok: true, repeated: true },
    ]);
    expect(await deliverWithResend(b.send, msg, Date.now() + 5000, 100)).toEqual({
      ok: true,
      repeated: true,
    });
    expect(b.sent.map((s) => s.resend)).toEqual([undefined, true, true]);
  });

  it("never turns a resend's refusal into 'nothing dispatched': the first loss stands", async () => {
    const b = bus([timedOut, gone]);
    expect(await deliverWithResend(b.send, msg, Date.now() + 5000, 100)).toBe(timedOut);
    expect(b.sent).toHaveLength(2);
  });

  it('stops at the given time, each attempt waiting at most the rest of it', async () => {
    const b = bus([]);
    const send = async (m: Deliver, timeoutMs: number) => {
      await new Promise((r) => setTimeout(r, timeoutMs));
      return b.send(m, timeoutMs);
    };
    const started = Date.now();
    expect(await deliverWithResend(send, msg, started + 250, 100)).toBe(timedOut);
    expect(Date.now() - started).toBeGreaterThanOrEqual(245);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(b.sent.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...b.sent.map((s) => s.timeoutMs))).toBeLessThanOrEqual(100);
  });
});
