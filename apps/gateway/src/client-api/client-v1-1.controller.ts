import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { VerifiedAccount } from '@cloudflow/contracts';
import { UsageLimiter, type RequestWithAppKey } from '@cloudflow/platform';
import type { Response } from 'express';
import { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import { CurrentAccount } from '../credentials/relay-auth.guards';
import { DeviceParams } from './client-api.dto';
import { ClientApiController, DeviceConnectedDocs } from './client-api.docs';
import { ClientDevicesService } from './client-devices.service';
import { ClientApiRoutes } from './client-api.routes';
import { RequestDispatchService } from '../requests/request-dispatch.service';
import { GetRequestDocs, SendRequestDocs } from '../requests/requests.docs';
import { AsyncRequestBody, RequestParams } from '../requests/requests.dto';

/**
 * Client API 1.1 (CONTRACT.md §5): everything of 1.0, plus the device's live connection state
 * and asynchronous requests over REST.
 */
@Controller('client/v1.1')
@ClientApiController('1.1')
export class ClientV11Controller extends ClientApiRoutes {
  constructor(
    connections: ConnectionCredentialsService,
    devices: ClientDevicesService,
    private readonly requests: RequestDispatchService,
    private readonly usage: UsageLimiter,
  ) {
    super(connections, devices);
  }

  @Get('devices/:referenceId/connected')
  @DeviceConnectedDocs()
  deviceConnected(@CurrentAccount() account: VerifiedAccount, @Param() params: DeviceParams) {
    return this.devices.connection(account, params.referenceId);
  }

  @Post('requests')
  @SendRequestDocs()
  async sendRequest(
    @CurrentAccount() account: VerifiedAccount,
    @Body() body: AsyncRequestBody,
    @Req() req: RequestWithAppKey,
    @Res({ passthrough: true }) res: Response,
  ) {
    const outcome = await this.requests.send(account, body);
    // 202 = this call dispatched it (a repeat of a known requestId answers 200): a payment is billed.
    if (outcome.status === 202 && body.type === 'payment' && req.appKey)
      this.usage.countPayment(req.appKey.keyId, 'async');
    res.status(outcome.status);
    return outcome.body;
  }

  @Get('requests/:requestId')
  @GetRequestDocs()
  getRequest(@CurrentAccount() account: VerifiedAccount, @Param() params: RequestParams) {
    return this.requests.get(account, params.requestId);
  }
}
