import type { BusAck, BusMessage } from '@cloudflow/contracts';

type Deliver = Extract<BusMessage, { kind: 'deliver' }>;
/** What a bus client answers for one request: the hub's ack, or a loss (`timedOut`, `unknown`). */
type Answer = BusAck & { unknown?: boolean };

/** How long one attempt waits for the hub's answer before the delivery is sent again. */
export const DELIVERY_ATTEMPT_MS = 1_000;

const lost = (a: Answer) => !a.ok && (a.timedOut === true || a.unknown === true);

/**
 * Sends a `deliver` and, while its answer is lost (a time-out or a bus failure: the requester's or
 * the device hub's connection moving between NATS nodes drops the reply), sends the same delivery
 * again to the same connection, marked `resend`, until `untilMs` (the deadline plus the margin).
 * The device's hub never writes a resend of a requestId the connection already had: it answers
 * ok + `repeated` (DeviceFrames.deliver), so a resend turns a lost acknowledgement into a definite
 * one and never makes a second payment. A resend that arrives first (the first delivery was lost
 * on its way) is written like the first, still before the deadline.
 *
 * A resend's refusal proves nothing (the first may have been written before the socket closed), so
 * after a first loss the result is ok or that loss: never "nothing was dispatched". Only the
 * first attempt's own refusal is returned as such.
 */
export async function deliverWithResend<A extends Answer>(
  send: (msg: Deliver, timeoutMs: number) => Promise<A>,
  msg: Deliver,
  untilMs: number,
  attemptMs = DELIVERY_ATTEMPT_MS,
): Promise<A> {
  const first = await send(msg, Math.max(1, Math.min(attemptMs, untilMs - Date.now())));
  if (!lost(first)) return first;
  const again: Deliver = { ...msg, resend: true };
  while (untilMs - Date.now() > 0) {
    const answer = await send(again, Math.max(1, Math.min(attemptMs, untilMs - Date.now())));
    if (answer.ok) return answer;
    if (!lost(answer)) return first;
  }
  return first;
}
