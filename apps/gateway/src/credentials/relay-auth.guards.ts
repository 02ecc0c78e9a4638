import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import {
  VerifyAccountRequest,
  VerifyDeviceRequest,
  type VerifiedAccount,
  type VerifiedDevice,
} from '@cloudflow/contracts';
import type { Request } from 'express';
import { bearerToken, decodeBearer, invalidBearer } from './bearer.parser';
import { ClientCredentialCache, DeviceCredentialCache } from './credential.cache';

interface RelayRequest extends Request {
  clientAccount?: VerifiedAccount;
  device?: VerifiedDevice;
}

/**
 * The Client API's second layer (CONTRACT.md §5): after the global APP-key guard, the bearer
 * must be a CloudFlow account's credentials. The verified account rides on the request.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(private readonly credentials: ClientCredentialCache) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<RelayRequest>();
    // A bearer verified a moment ago is not decoded and validated again (the cache is keyed by its hash).
    const token = bearerToken(req.headers.authorization);
    req.clientAccount = await this.credentials.verifyToken(token, () =>
      decodeBearer(token, VerifyAccountRequest),
    );
    return true;
  }
}

/** The Device API's second layer (CONTRACT.md §6): the bearer is a device's credentials. */
@Injectable()
export class DeviceAuthGuard implements CanActivate {
  constructor(private readonly credentials: DeviceCredentialCache) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<RelayRequest>();
    const token = bearerToken(req.headers.authorization);
    req.device = await this.credentials.verifyToken(token, () => decodeBearer(token, VerifyDeviceRequest));
    return true;
  }
}

/** The account ClientAuthGuard verified; a route without that guard gets a 401, not a crash. */
export const CurrentAccount = createParamDecorator(
  (_: unknown, context: ExecutionContext): VerifiedAccount => {
    const account = context.switchToHttp().getRequest<RelayRequest>().clientAccount;
    if (!account) throw invalidBearer();
    return account;
  },
);

/** The device DeviceAuthGuard verified. */
export const CurrentDevice = createParamDecorator((_: unknown, context: ExecutionContext): VerifiedDevice => {
  const device = context.switchToHttp().getRequest<RelayRequest>().device;
  if (!device) throw invalidBearer();
  return device;
});
