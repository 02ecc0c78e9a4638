import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@cloudflow/platform';
import { GatewayConfig } from './gateway.config';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from './database';

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
      ],
      providers: [{ provide: GatewayConfig, useValue: config }],
    };
  }
}
