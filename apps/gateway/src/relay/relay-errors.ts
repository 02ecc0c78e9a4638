import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

/** The one answer for a device that does not exist or is not the caller's (no existence leak). */
export function deviceNotFound(referenceId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.notFound, `Device '${referenceId}' does not exist`);
}
