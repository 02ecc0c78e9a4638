import { Controller, Get, Param, Query } from '@nestjs/common';
import type { VerifiedAccount } from '@cloudflow/contracts';
import { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import { CurrentAccount } from '../credentials/relay-auth.guards';
import { DeviceParams, ListDevicesQuery } from './client-api.dto';
import { ClientApiController, DeviceConnectedDocs, GetDeviceDocs, ListDevicesDocs, TokenDocs } from './client-api.docs';
import { ClientDevicesService } from './client-devices.service';

/**
 * Client API 1.1 (CONTRACT.md §5): everything of 1.0, plus the device's live connection state.
 * (The asynchronous `/requests` endpoints of 1.1 come with the request store.)
 */
@Controller('client/v1.1')
@ClientApiController('1.1')
export class ClientV11Controller {
  constructor(
    private readonly connections: ConnectionCredentialsService,
    private readonly devices: ClientDevicesService,
  ) {}

  @Get('token')
  @TokenDocs()
  token(@CurrentAccount() account: VerifiedAccount) {
    return this.connections.issue({ kind: 'client', ...account });
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

  @Get('devices/:referenceId/connected')
  @DeviceConnectedDocs()
  deviceConnected(@CurrentAccount() account: VerifiedAccount, @Param() params: DeviceParams) {
    return this.devices.connection(account, params.referenceId);
  }
}
