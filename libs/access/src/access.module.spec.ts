import { Global, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Broadcasts, LOGGER, RpcClient } from '@cloudflow/platform';
import pino from 'pino';
import { AccessModule } from './access.module';
import { AppKeyCache } from './app-key.cache';
import { UsageLimiter } from './usage-limiter';
import { UsageReporter } from './usage.reporter';

@Global()
@Module({
  providers: [
    { provide: RpcClient, useValue: { send: jest.fn() } },
    { provide: Broadcasts, useValue: { on: jest.fn(), onReconnect: jest.fn() } },
    { provide: LOGGER, useValue: pino({ level: 'silent' }) },
  ],
  exports: [RpcClient, Broadcasts, LOGGER],
})
class Platform {}

async function context(access: DynamicModule) {
  @Module({ imports: [Platform, access] })
  class Service {}
  return NestFactory.createApplicationContext(Service, { logger: false, abortOnError: false });
}

describe('AccessModule', () => {
  it('with the guard: the APP-key caches, and usage limited and reported', async () => {
    const app = await context(AccessModule.forRoot({ guard: true }));
    try {
      expect(app.get(AppKeyCache)).toBeInstanceOf(AppKeyCache);
      expect(app.get(UsageLimiter)).toBeInstanceOf(UsageLimiter);
      expect(app.get(UsageReporter)).toBeInstanceOf(UsageReporter);
    } finally {
      await app.close();
    }
  });

  it('without it (hubs): usage only, no APP-key cache', async () => {
    const app = await context(AccessModule.forRoot({ guard: false }));
    try {
      expect(app.get(UsageReporter)).toBeInstanceOf(UsageReporter);
      expect(() => app.get(AppKeyCache)).toThrow();
    } finally {
      await app.close();
    }
  });
});
