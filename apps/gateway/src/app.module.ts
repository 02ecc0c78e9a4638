import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@cloudflow/platform';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from './database';
import { GatewayConfig } from './gateway.config';
import { OauthController } from './oauth/oauth.controller';
import { OauthService } from './oauth/oauth.service';
import { StatusController } from './status/status.controller';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'gateway',
          config,
          appKeyGuard: true,
          database: { schema: 'gateway', entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS },
        }),
      ],
      controllers: [StatusController, OauthController],
      providers: [{ provide: GatewayConfig, useValue: config }, OauthService],
    };
  }
}
