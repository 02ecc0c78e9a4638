import { ErrorCode, platformFlowException, type CloudFlowMessage } from '@cloudflow/contracts';
import { randomUUID } from 'node:crypto';

/**
 * A failure the gateway records on the timeline of a request it dispatched, in the hubs' shape.
 * It concludes only dispatched requests, so a `connectionLost` here means "outcome unknown".
 */
export function gatewayFlowException(
  code: ErrorCode,
  message: string,
  originatingRequestId: string,
): CloudFlowMessage {
  return platformFlowException({
    requestId: randomUUID(),
    source: 'cloudflow-gateway',
    code,
    message,
    originatingRequestId,
    target: null,
    dispatched: code === ErrorCode.connectionLost ? true : undefined,
  });
}
