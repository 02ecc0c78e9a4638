import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@cloudflow/platform';
import { AdminConfig } from './admin.config';
import { ADMIN_ENTITIES, ADMIN_MIGRATIONS } from './database';

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
      ],
      providers: [{ provide: AdminConfig, useValue: config }],
    };
  }
}
