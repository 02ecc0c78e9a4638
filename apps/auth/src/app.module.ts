import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@cloudflow/platform';
import { AuthConfig } from './auth.config';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from './database';

@Module({})
export class AppModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          service: 'auth',
          config,
          database: { schema: 'auth', entities: AUTH_ENTITIES, migrations: AUTH_MIGRATIONS },
        }),
      ],
      providers: [{ provide: AuthConfig, useValue: config }],
    };
  }
}
