import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Broadcasts, LOGGER, RpcClient } from '@cloudflow/platform';
import type { Logger } from 'pino';
import { AppKeyCache } from './app-key.cache';
import { AppKeyGuard } from './app-key.guard';
import { BlockedEndpointsCache } from './blocked-endpoints.cache';
import { UsageLimiter } from './usage-limiter';
import { UsageReporter } from './usage.reporter';

export interface AccessOptions {
  /**
   * Guard every HTTP route not marked @Public() with the APP-key layer (gateway, admin). Without
   * it the usage of APP keys is still counted and reported (hubs: sync payments are billed).
   */
  guard: boolean;
}

/**
 * APP keys on the request path: the key and blocked-endpoint caches behind the global guard,
 * and the usage limits per key, counted locally and reported to auth in batches. Imported next
 * to PlatformModule (RpcClient, Broadcasts, LOGGER) by the services that take APP keys.
 */
@Module({})
export class AccessModule {
  static forRoot(options: AccessOptions): DynamicModule {
    // UsageLimiter's constructor takes an optional clock (specs), which Nest must not try to inject.
    const usage: Provider[] = [
      { provide: UsageLimiter, useFactory: () => new UsageLimiter() },
      UsageReporter,
    ];
    const guard: Provider[] = options.guard
      ? [
          AppKeyCache,
          {
            provide: BlockedEndpointsCache,
            inject: [RpcClient, Broadcasts, LOGGER],
            useFactory: (r: RpcClient, b: Broadcasts, logger: Logger) =>
              new BlockedEndpointsCache(r, b, logger),
          },
          { provide: APP_GUARD, useClass: AppKeyGuard },
        ]
      : [];
    return {
      module: AccessModule,
      providers: [...guard, ...usage],
      // APP_GUARD registers globally by itself; Nest refuses to export it.
      exports: [...(options.guard ? [AppKeyCache, BlockedEndpointsCache] : []), UsageLimiter, UsageReporter],
    };
  }
}
