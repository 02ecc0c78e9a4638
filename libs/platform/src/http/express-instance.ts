import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';

/**
 * An Express app whose router is case sensitive and strict (issue 12, item 3): the contract
 * says every path is case sensitive, and `/DUMMYAPI/STATUS` or `/client/v1.0/devices/` must
 * not reach a handler under a spelling a blocked-endpoint prefix does not match. The settings
 * must be on before the adapter is built: Express creates its router once, on first use.
 */
export function strictExpressAdapter(): ExpressAdapter {
  const instance = express();
  instance.enable('case sensitive routing');
  instance.enable('strict routing');
  instance.disable('x-powered-by');
  return new ExpressAdapter(instance);
}

interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}

/** Every route the app's router holds, as `METHOD /path` (the authorization matrix reads them). */
export function registeredRoutes(app: INestApplication): string[] {
  const instance = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  const routes = new Set<string>();
  for (const layer of instance.router.stack) {
    if (!layer.route || typeof layer.route.path !== 'string') continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...routes].sort();
}
