import type { INestApplication } from '@nestjs/common';
import { loadConfig, startService } from '@cloudflow/platform';
import { AppModule } from './app.module';
import { setupApiDocs } from './docs/api-docs.setup';
import { GatewayConfig } from './gateway.config';

/** Starts the gateway service; used by main.ts and by tests that run it in-process. */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const config = loadConfig(GatewayConfig, env);
  return startService({
    module: AppModule.forRoot(config),
    port: config.PORT,
    host: config.HOST,
    // req.ip is the client address auth counts guesses and sign-ups by.
    trustProxy: config.TRUST_PROXY,
    formPaths: ['/auth/oauth/token'],
    natsQueue: { queue: 'gateway' },
    configure: (app) => setupApiDocs(app),
    drain: { graceMs: config.SHUTDOWN_GRACE_MS },
  });
}
