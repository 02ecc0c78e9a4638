import type { INestApplication } from '@nestjs/common';
import { loadConfig, startService } from '@cloudflow/platform';
import { AppModule } from './app.module';
import { AuthConfig } from './auth.config';

/** Starts the auth service; used by main.ts and by tests that run it in-process. */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const config = loadConfig(AuthConfig, env);
  return startService({
    module: AppModule.forRoot(config),
    port: config.PORT,
    host: config.HOST,
    natsQueue: { queue: 'auth' },
  });
}
