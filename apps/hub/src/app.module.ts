import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@cloudflow/platform';
import { HubConfig } from './hub.config';

@Module({})
export class AppModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ service: 'hub', config })],
      providers: [{ provide: HubConfig, useValue: config }],
    };
  }
}
