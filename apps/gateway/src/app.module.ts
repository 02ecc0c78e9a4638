import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '@cloudflow/access';
import { PlatformModule } from '@cloudflow/platform';
import { PresenceModule } from '@cloudflow/presence';
import { ClientDevicesService } from './client-api/client-devices.service';
import { ClientV10Controller } from './client-api/client-v1-0.controller';
import { ClientV11Controller } from './client-api/client-v1-1.controller';
import { ConnectionCredentialsService } from './connection/connection-credentials.service';
import { ClientCredentialCache, DeviceCredentialCache } from './credentials/credential.cache';
import { ClientAuthGuard, DeviceAuthGuard } from './credentials/relay-auth.guards';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from './database';
import { DeviceEnrolService } from './device-api/device-enrol.service';
import { DeviceV10Controller } from './device-api/device-v1-0.controller';
import { DeviceV11Controller } from './device-api/device-v1-1.controller';
import { GatewayConfig } from './gateway.config';
import { OauthController } from './oauth/oauth.controller';
import { OauthService } from './oauth/oauth.service';
import { RelayLookup } from './relay/relay-lookup';
import { REQUEST_PROVIDERS } from './requests/request.providers';
import { RequestLogController } from './requests/request-log.controller';
import { StatusController } from './status/status.controller';
import { WebhookOperationsController } from './webhooks/webhook-operations.controller';
import { WEBHOOK_PROVIDERS } from './webhooks/webhooks.providers';
import { ClientEventsController } from './events/client-events.controller';
import { EVENT_PROVIDERS } from './events/events.providers';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'gateway',
          config,
          database: { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
        }),
        AccessModule.forRoot({ guard: true }),
        PresenceModule,
      ],
      controllers: [
        StatusController,
        OauthController,
        ClientV10Controller,
        ClientV11Controller,
        ClientEventsController,
        DeviceV10Controller,
        DeviceV11Controller,
        RequestLogController,
        WebhookOperationsController,
      ],
      providers: [
        { provide: GatewayConfig, useValue: config },
        OauthService,
        ClientCredentialCache,
        DeviceCredentialCache,
        ClientAuthGuard,
        DeviceAuthGuard,
        ConnectionCredentialsService,
        ClientDevicesService,
        DeviceEnrolService,
        RelayLookup,
        ...WEBHOOK_PROVIDERS,
        ...REQUEST_PROVIDERS,
        ...EVENT_PROVIDERS,
      ],
    };
  }
}
