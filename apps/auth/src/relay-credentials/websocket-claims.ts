import {
  CloudFlowError,
  ErrorCode,
  type WebsocketClaims,
  type WebsocketTokenRequest,
} from '@cloudflow/contracts';

/**
 * The claims of a websocket JWT. A device token names the device (`sub` = referenceId); a
 * client token names the account itself, and a stray referenceId on it is ignored.
 */
export function websocketClaims(request: WebsocketTokenRequest): WebsocketClaims {
  const { kind, tenantId, accountId, referenceId, appKeyId } = request;
  switch (kind) {
    case 'device':
      if (referenceId === undefined) {
        throw new CloudFlowError(
          ErrorCode.invalidData,
          'Invalid data: referenceId: is required for a device token',
        );
      }
      return { kind, tid: tenantId, acc: accountId, sub: referenceId };
    case 'client':
      return { kind, tid: tenantId, acc: accountId, sub: accountId, ...(appKeyId ? { akid: appKeyId } : {}) };
  }
}
