import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '@cloudflow/access';
import { PlatformModule } from '@cloudflow/platform';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import { AdminConfig } from './admin.config';
import { AdminBearerGuard } from './admin-api/admin-bearer.guard';
import { AppKeysController } from './admin-api/app-keys.controller';
import { AppKeysService } from './admin-api/app-keys.service';
import { TenantController } from './admin-api/tenant.controller';
import { TenantService } from './admin-api/tenant.service';
import { RelayEventsPublisher } from './common/relay-events.publisher';
import { ADMIN_ENTITIES, ADMIN_MIGRATIONS } from './database';
import { DevelopersRepository } from './developers/developers.repository';
import { DevicesController } from './devices/devices.controller';
import { DevicesRepository } from './devices/devices.repository';
import { DevicesService } from './devices/devices.service';
import { BlockedEndpointsService } from './operator/blocked-endpoints.service';
import { OperatorDevelopersService } from './operator/operator-developers.service';
import { OperatorKeysService } from './operator/operator-keys.service';
import { OperatorTokenGuard } from './operator/operator-token.guard';
import {
  BlockedEndpointsController,
  OperatorDevelopersController,
  OperatorKeysController,
  OperatorTenantsController,
} from './operator/operator.controllers';
import { PortalAccountService } from './portal/portal-account.service';
import { PortalBusinessService } from './portal/portal-business.service';
import { PortalSessionGuard } from './portal/portal-session.guard';
import { PortalAccountController, PortalSettingsController } from './portal/portal.controller';
import { PortalWebController } from './portal-web/portal-web.controller';
import { RelayLookupController } from './relay-lookup/relay-lookup.controller';
import { RelayLookupService } from './relay-lookup/relay-lookup.service';
import { RequestsController } from './requests/requests.controller';
import { ConnectionCeilings } from './tenants/connection-ceilings';
import { TenantsRepository } from './tenants/tenants.repository';
import { OperatorTenantsService } from './operator/operator-tenants.service';
import { UserLoginController } from './users/user-login.controller';
import { UserLoginService } from './users/user-login.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';
import { UsersRepository } from './users/users.repository';
import {
  AdminUsageController,
  OperatorUsageController,
  PortalUsageController,
} from './usage/usage.controllers';
import { UsageService } from './usage/usage.service';
import { AccountWebhooksController } from './webhooks/account-webhooks.controller';
import { AccountWebhooksService } from './webhooks/account-webhooks.service';

@Module({})
export class AppModule {
  static forRoot(config: AdminConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'admin',
          config,
          database: { schema: 'admin', entities: ADMIN_ENTITIES, migrations: ADMIN_MIGRATIONS },
        }),
        // Every route needs an APP key unless it opts out (@Public: portal, operator, health).
        AccessModule.forRoot({ guard: true }),
      ],
      controllers: [
        PortalAccountController,
        PortalSettingsController,
        PortalWebController,
        TenantController,
        AppKeysController,
        OperatorDevelopersController,
        OperatorKeysController,
        OperatorTenantsController,
        BlockedEndpointsController,
        UserLoginController,
        UsersController,
        AccountsController,
        AccountWebhooksController,
        DevicesController,
        RelayLookupController,
        RequestsController,
        OperatorUsageController,
        AdminUsageController,
        PortalUsageController,
      ],
      providers: [
        { provide: AdminConfig, useValue: config },
        DevelopersRepository,
        TenantsRepository,
        UsageService,
        UsersRepository,
        PortalAccountService,
        PortalBusinessService,
        PortalSessionGuard,
        TenantService,
        AppKeysService,
        AdminBearerGuard,
        OperatorKeysService,
        OperatorDevelopersService,
        OperatorTenantsService,
        ConnectionCeilings,
        BlockedEndpointsService,
        OperatorTokenGuard,
        UserLoginService,
        UsersService,
        AccountsRepository,
        DevicesRepository,
        AccountsService,
        AccountWebhooksService,
        DevicesService,
        RelayEventsPublisher,
        RelayLookupService,
      ],
    };
  }
}
