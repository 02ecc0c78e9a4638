import type { INestApplication } from '@nestjs/common';
import { loadConfig, startService } from '@cloudflow/platform';
import { AppModule } from './app.module';
import { AdminConfig } from './admin.config';
import { setupAdminApiDocs } from './docs/admin-api-docs.setup';
import { setupOperatorApiDocs } from './docs/operator-api-document';
import { setupPortalApiDocs } from './docs/portal-api-document';

/** Starts the admin service; used by main.ts and by tests that run it in-process. */
export async function bootstrap(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const config = loadConfig(AdminConfig, env);
  return startService({
    module: AppModule.forRoot(config),
    port: config.PORT,
    host: config.HOST,
    // req.ip is the client address auth counts guesses and sign-ups by.
    trustProxy: config.TRUST_PROXY,
    natsQueue: { queue: 'admin' },
    slashAliases: ['/portal'],
    configure: (app) => {
      setupAdminApiDocs(app);
      setupOperatorApiDocs(app);
      setupPortalApiDocs(app);
    },
  });
}
