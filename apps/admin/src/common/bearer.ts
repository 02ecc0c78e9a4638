import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import type { Request } from 'express';

/** The token of `Authorization: Bearer <token>`, or a 401 naming what is wrong. */
export function bearerToken(req: Request): string {
  const header = req.headers.authorization;
  const match = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  if (!match)
    throw new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
  return match[1];
}
