import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { CloudFlowError, type RequestView, type VerifiedAccount } from '@cloudflow/contracts';
import { UsageLimiter, type RequestWithAppKey } from '@cloudflow/access';
import type { Response } from 'express';
import { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import { CurrentAccount } from '../credentials/relay-auth.guards';
import { DeviceParams } from './client-api.dto';
import { ClientApiController, DeviceConnectedDocs } from './client-api.docs';
import { ClientDevicesService } from './client-devices.service';
import { ClientApiRoutes } from './client-api.routes';
import { RequestDispatchService } from '../requests/request-dispatch.service';
import { CancelRequestDocs, GetRequestDocs, SendRequestDocs } from '../requests/requests.docs';
import { RequestCancelService } from '../requests/request-cancel.service';
import { AsyncRequestBody, RequestParams } from '../requests/requests.dto';
import { isFinal, RequestFinals } from '../requests/request-finals';
import { preferredWait } from '../requests/prefer-wait';

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
    private readonly finals: RequestFinals,
    private readonly cancels: RequestCancelService,
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
    const wait = this.waitPreference(req);
    try {
      const outcome = await this.requests
        .send(account, body, wait !== undefined)
        .catch((err: unknown) => this.unknownOutcome(err, account, body.requestId, wait));
      if ('final' in outcome) {
        res.setHeader('Preference-Applied', `wait=${wait!.seconds}`);
        res.status(200);
        return outcome.final;
      }
      // 202 = this call dispatched it (a repeat of a known requestId answers 200): a payment is billed.
      if (outcome.status === 202 && body.type === 'payment' && req.appKey)
        this.usage.countPayment(req.appKey.keyId, 'async');
      const final =
        wait === undefined || (outcome.status === 200 && isFinal(outcome.body))
          ? undefined
          : await this.finals.until(keyOf(account, body.requestId), wait.untilMs - Date.now(), () =>
              this.requests.get(account, body.requestId),
            );
      if (final) {
        res.setHeader('Preference-Applied', `wait=${wait!.seconds}`);
        res.status(200);
        return final;
      }
      res.status(outcome.status);
      return outcome.body;
    } finally {
      if (wait) this.finals.release();
    }
  }

  @Get('requests/:requestId')
  @GetRequestDocs()
  async getRequest(
    @CurrentAccount() account: VerifiedAccount,
    @Param() params: RequestParams,
    @Req() req: RequestWithAppKey,
    @Res({ passthrough: true }) res: Response,
  ) {
    const wait = this.waitPreference(req);
    try {
      const read = () => this.requests.get(account, params.requestId);
      const view = await read();
      if (!wait || isFinal(view)) return view;
      const final = await this.finals.until(
        keyOf(account, params.requestId),
        wait.untilMs - Date.now(),
        read,
      );
      if (!final) return read();
      res.setHeader('Preference-Applied', `wait=${wait.seconds}`);
      return final;
    } finally {
      if (wait) this.finals.release();
    }
  }

  @Post('requests/:requestId/cancel')
  @CancelRequestDocs()
  cancelRequest(@CurrentAccount() account: VerifiedAccount, @Param() params: RequestParams) {
    return this.cancels.cancel(account, params.requestId);
  }

  /**
   * With `Prefer: wait`, "dispatched, outcome unknown" (the terminal's hub went before it confirmed
   * the delivery) is what the record says too: the caller gets the record, as when the hub goes a
   * moment later. Anything else, or a record that could not be read, is thrown as it was.
   */
  private async unknownOutcome(
    err: unknown,
    account: VerifiedAccount,
    requestId: string,
    wait: { seconds: number } | undefined,
  ): Promise<{ final: RequestView }> {
    if (!wait || !(err instanceof CloudFlowError) || err.dispatched !== true) throw err;
    const view = await this.requests.get(account, requestId).catch(() => undefined);
    if (!view || !isFinal(view)) throw err;
    return { final: view };
  }

  /** `Prefer: wait=N` (RFC 7240), held only while this gateway has room for another waiting call. */
  private waitPreference(req: RequestWithAppKey): { seconds: number; untilMs: number } | undefined {
    const seconds = preferredWait(req.headers.prefer);
    if (seconds === undefined || !this.finals.hold()) return undefined;
    return { seconds, untilMs: Date.now() + seconds * 1000 };
  }
}

function keyOf(account: VerifiedAccount, requestId: string) {
  return { tenantId: account.tenantId, accountId: account.accountId, requestId };
}
