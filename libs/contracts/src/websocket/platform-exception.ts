import type { ErrorCode } from '../errors/error-code';
import type { CloudFlowMessage } from './envelope';

/** Who on the platform reports a failure on a request's timeline. */
export type PlatformSource = 'cloudflow-hub' | 'cloudflow-gateway';

/**
 * The one shape of a `flowException` the platform itself (not a device) reports: a hub to the
 * sender of a frame, or a gateway concluding a request it dispatched (CONTRACT.md §7). The
 * payload is `{"errorCode","errorMessage"}`, plus `dispatched` for `connectionLost`: false =
 * nothing reached the terminal and a retry is safe; true = it was (or may have been) written to
 * the terminal and its outcome is unknown. `requestId` is the exception's own new id (the caller
 * makes it: contracts stays free of node APIs).
 */
export function platformFlowException(fields: {
  requestId: string;
  source: PlatformSource;
  code: ErrorCode;
  message: string;
  originatingRequestId: string | null;
  target: string | null;
  dispatched?: boolean;
}): CloudFlowMessage {
  const { requestId, source, code, message, originatingRequestId, target, dispatched } = fields;
  return {
    type: 'flowException',
    format: 'cloudflow',
    version: '1.0',
    requestId,
    originatingRequestId,
    source,
    target,
    payload:
      dispatched === undefined
        ? { errorCode: code, errorMessage: message }
        : { errorCode: code, errorMessage: message, dispatched },
  };
}
