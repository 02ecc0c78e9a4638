import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';

/** The same answer for an unknown account or device and a wrong token: nothing to probe with. */
export function invalidBearer(): CloudFlowError {
  return new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
}

/** Account ids are unique across tenants; another tenant's is never taken over. */
export function accountIdTaken(accountId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.duplicateItem, `Account ID '${accountId}' is already taken`);
}
