import { Get, Param, Query, Req } from '@nestjs/common';
import type { VerifiedAccount } from '@cloudflow/contracts';
import type { RequestWithAppKey } from '@cloudflow/access';
import { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import { CurrentAccount } from '../credentials/relay-auth.guards';
import { DeviceParams, ListDevicesQuery } from './client-api.dto';
import { GetDeviceDocs, ListDevicesDocs, TokenDocs } from './client-api.docs';
import { ClientDevicesService } from './client-devices.service';

/**
 * The routes every Client API version has (CONTRACT.md §5): websocket credentials and the
 * account's devices. Each version's controller extends this under its own path and tags.
 */
export abstract class ClientApiRoutes {
  constructor(
    protected readonly connections: ConnectionCredentialsService,
    protected readonly devices: ClientDevicesService,
  ) {}

  @Get('token')
  @TokenDocs()
  token(@CurrentAccount() account: VerifiedAccount, @Req() req: RequestWithAppKey) {
    return this.connections.issue({ kind: 'client', ...account, appKeyId: req.appKey?.keyId });
  }

  @Get('devices')
  @ListDevicesDocs()
  listDevices(@CurrentAccount() account: VerifiedAccount, @Query() query: ListDevicesQuery) {
    return this.devices.list(account, query);
  }

  @Get('devices/:referenceId')
  @GetDeviceDocs()
  getDevice(@CurrentAccount() account: VerifiedAccount, @Param() params: DeviceParams) {
    return this.devices.get(account, params.referenceId);
  }
}
