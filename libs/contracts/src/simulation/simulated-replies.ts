import { randomUUID } from 'node:crypto';
import { CANCELLED_OUTCOME, type CloudFlowMessage } from '../websocket/envelope';
import { decide, type SimulatedOutcome } from './payment-rules';

/**
 * The frames a simulated terminal answers with: one set for the CLI / test simulator
 * (libs/testing) and the terminals the hubs host, so both answer alike.
 */

/** The stages a simulated transaction's flowEvents go through, in turn. */
export const SIMULATED_STAGES = ['PRESENT_CARD', 'PROCESSING', 'PRINTING', 'REMOVE_CARD'] as const;

/** A frame answering `request` (its own requestId, the request's format and version). */
export function simulatedReply(
  request: CloudFlowMessage,
  type: CloudFlowMessage['type'],
  payload: Record<string, unknown>,
): CloudFlowMessage {
  return {
    type,
    format: request.format,
    version: request.version,
    requestId: randomUUID(),
    originatingRequestId: request.requestId,
    payload,
  };
}

/** The `n`th progress event of a transaction (0-based). */
export function simulatedEvent(
  request: CloudFlowMessage,
  n: number,
  extra: Record<string, unknown> = {},
): CloudFlowMessage {
  return simulatedReply(request, 'flowEvent', {
    stage: SIMULATED_STAGES[n % SIMULATED_STAGES.length],
    ...extra,
  });
}

/**
 * The final answer: by the amount rule unless `decision` says otherwise. `extra` goes into the
 * transaction (e.g. clear card data a careless terminal sends, which the platform must mask).
 */
export function simulatedFinal(
  request: CloudFlowMessage,
  extra: Record<string, unknown> = {},
  decision?: SimulatedOutcome,
): CloudFlowMessage {
  const amounts = (request.payload.amounts ?? {}) as { baseAmount?: number; currency?: string };
  const decided = decision ?? decide(Number(amounts.baseAmount ?? 0));
  return simulatedReply(request, finalTypeOf(request), {
    id: randomUUID(),
    outcome: decided.outcome,
    ...(decided.failureReason ? { failureReason: decided.failureReason } : {}),
    transactions: [
      {
        id: randomUUID(),
        amounts: { baseAmount: decided.approvedAmount, currency: amounts.currency ?? 'EUR' },
        cardBrand: 'VISA',
        maskedPan: '************4242',
        ...extra,
      },
    ],
  });
}

/** The final answer of a transaction the terminal stopped on a cancel. */
export function cancelledFinal(request: CloudFlowMessage): CloudFlowMessage {
  return simulatedReply(request, finalTypeOf(request), { id: randomUUID(), outcome: CANCELLED_OUTCOME });
}

function finalTypeOf(request: CloudFlowMessage): CloudFlowMessage['type'] {
  return request.type === 'payment' ? 'paymentResponse' : 'response';
}
