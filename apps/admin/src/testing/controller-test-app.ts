import { Module, type INestApplication, type Provider, type Type } from '@nestjs/common';
import type { Server } from 'node:http';
import { LOGGER, MetricsService, startService } from '@cloudflow/platform';
import pino from 'pino';
import type { AddressInfo } from 'node:net';

@Module({})
class ControllerTestModule {}

/**
 * Controllers under test behind the real HTTP pipeline (startService: body limits, content
 * types, the global ValidationPipe and the one exception filter) on a free loopback port.
 */
export async function startControllerTestApp(
  controllers: Type<unknown>[],
  providers: Provider[],
): Promise<{ app: INestApplication; url: string }> {
  const app = await startService({
    module: {
      module: ControllerTestModule,
      controllers,
      providers: [
        ...providers,
        { provide: LOGGER, useValue: pino({ level: 'silent' }) },
        { provide: MetricsService, useValue: new MetricsService('admin-test') },
      ],
    },
    port: 0,
    host: '127.0.0.1',
  });
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

// Nest probes providers for these hooks; a strict mock must answer "not implemented", not throw.
const LIFECYCLE = new Set([
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
  'then',
]);

/** A mock where any method not given explicitly fails the test when called. */
export function strictMock<T extends object>(
  name: string,
  methods: { [K in keyof T]?: jest.Mock } = {},
): T & { [K in keyof T]: jest.Mock } {
  return new Proxy(methods, {
    get(target, prop) {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (typeof prop === 'symbol' || LIFECYCLE.has(prop)) return undefined;
      return () => {
        throw new Error(`unexpected call ${name}.${prop}()`);
      };
    },
  }) as T & { [K in keyof T]: jest.Mock };
}
