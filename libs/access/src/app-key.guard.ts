import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { appKeyError, hasAppKeyShape, type ApiGroup, type AppKeyInfo } from '@cloudflow/contracts';
import { API_GROUP_KEY, PUBLIC_KEY } from '@cloudflow/platform';
import type { Request } from 'express';
import { AppKeyCache } from './app-key.cache';
import { BlockedEndpointsCache } from './blocked-endpoints.cache';
import { UsageLimiter } from './usage-limiter';

export const APP_KEY_HEADER = 'api-key';

export interface RequestWithAppKey extends Request {
  appKey?: AppKeyInfo;
}

/**
 * Seed 000's APP-key layer on every route not marked @Public(): missing, unknown/revoked,
 * expired, blocked endpoint, disallowed group, with the seed's exact texts; then the key's
 * usage limits (429 + Retry-After). Only requests that pass every check are counted.
 */
@Injectable()
export class AppKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: AppKeyCache,
    private readonly blocked: BlockedEndpointsCache,
    private readonly usage: UsageLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<RequestWithAppKey>();
    const header = req.headers[APP_KEY_HEADER];
    const appKey = Array.isArray(header) ? header[0] : header;
    if (!appKey) throw appKeyError('missing');
    // Garbage never costs a round trip to auth (issue 12, item 9).
    if (!hasAppKeyShape(appKey)) throw appKeyError('invalid');

    const info = await this.keys.get(appKey);
    if (info.status === 'revoked') throw appKeyError('invalid');
    if (info.status === 'expired' || (info.expiresAt !== null && Date.parse(info.expiresAt) <= Date.now())) {
      throw appKeyError('expired');
    }
    if (await this.blocked.isBlocked(req.method, req.path, matchedRoute(req)))
      throw appKeyError('endpointBlocked');
    const group = this.reflector.getAllAndOverride<ApiGroup | undefined>(API_GROUP_KEY, targets);
    if (group && !info.groups.includes(group)) throw appKeyError('groupDisallowed');
    // Routes outside the three groups (the key check `GET /dummyapi/status`) bill as `client`.
    const verdict = this.usage.admit(info, group ?? 'client');
    if (!verdict.allowed) throw appKeyError('usageExceeded', verdict.retryAfterSeconds);
    req.appKey = info;
    return true;
  }
}

/** The route pattern Express matched (`/client/v1.0/devices/:referenceId`), if any. */
function matchedRoute(req: Request): string | undefined {
  return (req.route as { path?: unknown } | undefined)?.path as string | undefined;
}
