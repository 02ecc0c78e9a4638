import { Controller, Get, Header, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { RequiresApiGroup } from '@cloudflow/platform';
import { AdminApiController } from '../admin-api/admin-api.docs';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from '../admin-api/admin-bearer.guard';
import { AccountParams } from '../accounts/accounts.dto';
import {
  EnableReceiverDocs,
  ListDeliveriesDocs,
  ReceiverDocs,
  RedeliverDeadDocs,
  RedeliverDocs,
  RotateWebhookSecretDocs,
} from './account-webhooks.docs';
import { DeliveryParams, ListDeliveriesQuery } from './account-webhooks.dto';
import { AccountWebhooksService } from './account-webhooks.service';

/** /admin/v1/accounts/{accountId}/webhook… (issue 14): reads for every user, changes for admins. */
@AdminApiController('Webhooks')
@RequiresApiGroup('admin')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1/accounts/:accountId')
export class AccountWebhooksController {
  constructor(private readonly webhooks: AccountWebhooksService) {}

  @Post('webhook-secret')
  @RotateWebhookSecretDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  rotateSecret(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.webhooks.rotateSecret(caller.tenantId, params.accountId);
  }

  @Get('webhook')
  @ReceiverDocs()
  receiver(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.webhooks.receiver(caller.tenantId, params.accountId);
  }

  @Post('webhook/enable')
  @EnableReceiverDocs()
  @HttpCode(200)
  enable(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.webhooks.enable(caller.tenantId, params.accountId);
  }

  @Get('webhook-deliveries')
  @ListDeliveriesDocs()
  deliveries(
    @AdminCaller() caller: AdminCallerInfo,
    @Param() params: AccountParams,
    @Query() query: ListDeliveriesQuery,
  ) {
    return this.webhooks.deliveries(caller.tenantId, params.accountId, query);
  }

  @Post('webhook-deliveries/redeliver')
  @RedeliverDeadDocs()
  @HttpCode(200)
  redeliverDead(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.webhooks.redeliverDead(caller.tenantId, params.accountId);
  }

  @Post('webhook-deliveries/:deliveryId/redeliver')
  @RedeliverDocs()
  @HttpCode(200)
  redeliver(@AdminCaller() caller: AdminCallerInfo, @Param() params: DeliveryParams) {
    return this.webhooks.redeliver(caller.tenantId, params.accountId, params.deliveryId);
  }
}
