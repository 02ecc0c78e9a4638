import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AdminConfig } from '../admin.config';

const UNAUTHORIZED = 'Missing or invalid operator token';

/** Compares digests, so the time taken says nothing about the token's length or content. */
export function operatorTokenMatches(expected: string | undefined, presented: string | undefined): boolean {
  if (!expected || !presented) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

/**
 * The operator API's only credential: `Authorization: Bearer <CLOUDFLOW_OPERATOR_TOKEN>`.
 * Without a configured token the operator API is closed to everyone.
 */
@Injectable()
export class OperatorTokenGuard implements CanActivate {
  constructor(private readonly config: AdminConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    const presented = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!operatorTokenMatches(this.config.CLOUDFLOW_OPERATOR_TOKEN, presented))
      throw new CloudFlowError(ErrorCode.unauthorized, UNAUTHORIZED);
    return true;
  }
}
