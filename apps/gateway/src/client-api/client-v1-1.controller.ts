import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { VerifiedAccount } from '@cloudflow/contracts';
import type { Response } from 'express';
import { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import { CurrentAccount } from '../credentials/relay-auth.guards';
import { DeviceParams, ListDevicesQuery } from './client-api.dto';
import { ClientApiController, DeviceConnectedDocs, GetDeviceDocs, ListDevicesDocs, TokenDocs } from './client-api.docs';
import { ClientDevicesService } from './client-devices.service';
import { RequestDispatchService } from '../requests/request-dispatch.service';
import { GetRequestDocs, SendRequestDocs } from '../requests/requests.docs';
import { AsyncRequestBody, RequestParams } from '../requests/requests.dto';

/**
 * Client API 1.1 (CONTRACT.md §5): everything of 1.0, plus the device's live connection state
 * and asynchronous requests over REST.
 */
@Controller('client/v1.1')
@ClientApiController('1.1')
export class ClientV11Controller {
  constructor(
    private readonly connections: ConnectionCredentialsService,
    private readonly devices: ClientDevicesService,
    private readonly requests: RequestDispatchService,
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

  @Post('requests')
  @SendRequestDocs()
  async sendRequest(@CurrentAccount() account: VerifiedAccount, @Body() body: AsyncRequestBody, @Res({ passthrough: true }) res: Response) {
    const outcome = await this.requests.send(account, body);
    res.status(outcome.status);
    return outcome.body;
  }

  @Get('requests/:requestId')
  @GetRequestDocs()
  getRequest(@CurrentAccount() account: VerifiedAccount, @Param() params: RequestParams) {
    return this.requests.get(account, params.requestId);
  }
}
