import type { DynamicModule, INestApplication, INestMicroservice, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { createValidationPipe } from '../errors/validation.pipe';
import { MetricsService } from '../health/metrics.service';
import { ReadinessService } from '../health/readiness.service';
import { answerParserErrors } from './client-error';
import { registeredRoutes, strictExpressAdapter } from './express-instance';
import { HttpInFlight } from './http-in-flight';
import { duplicateJsonKey } from './json-duplicate-keys';
import { wellFormedText } from './json-unicode';
import { securityHeaders } from './security-headers';
import { NestPinoLogger } from '../logging/logger';
import { LOGGER } from '../logging/logger.token';
import { CORRELATION_HEADER, runWithCorrelation } from '../logging/request-context';
import { NatsCorrelationInterceptor } from '../nats/correlation.interceptor';
import { NatsConnectionOwner } from '../nats/nats-connection.owner';
import { OwnedNatsServer } from '../nats/owned-nats.server';
import { rejectDeepJson } from './json-depth';
import { httpServerSpans } from '../tracing/http-server-span';
import { tracingEnabled } from '../tracing/tracing';

export interface StartServiceOptions {
  module: Type<unknown> | DynamicModule;
  port: number;
  host: string;
  /** Serve the NATS request handlers (`@MessagePattern`) in this queue group. */
  natsQueue?: { queue: string };
  /** BaseConfig.TRUST_PROXY: who may set req.ip through X-Forwarded-For (default: nobody). */
  trustProxy?: string;
  /** Paths that also accept application/x-www-form-urlencoded bodies (OAuth). */
  formPaths?: string[];
  /**
   * Routing is strict (no trailing-slash variants); these paths are also served with one
   * (`/portal/`, the address people type and the README links).
   */
  slashAliases?: string[];
  /** Extra set-up on the app before it listens (swagger, websocket servers). */
  configure?: (app: NestExpressApplication) => void | Promise<void>;
  /**
   * Drain on SIGTERM/SIGINT instead of closing at once (issue 9, hole 10): /readyz turns 503 at
   * once, in-flight HTTP requests finish (at most `graceMs`), then the app closes and the process exits.
   */
  drain?: { graceMs: number };
}

const BODY_LIMIT = '64kb';

/** NestMicroservice's own steps that connectMicroservice runs unless initialization is deferred. */
interface DeferredMicroservice {
  registerListeners(): void;
  setIsInitialized(value: boolean): void;
  setIsInitHookCalled(value: boolean): void;
}

/** The one bootstrap every service's main.ts and the end-to-end tests use. */
export async function startService(options: StartServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(options.module, strictExpressAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  const logger = app.get<Logger>(LOGGER);
  app.useLogger(new NestPinoLogger(logger));
  app.set('query parser', 'simple');
  app.set('trust proxy', trustProxy(options.trustProxy ?? 'false'));
  // Only a draining service counts its in-flight requests (and needs the readiness service for it).
  const inFlight = options.drain ? new HttpInFlight(app.get(ReadinessService)) : undefined;
  if (inFlight) app.use(inFlight.middleware());
  app.use(securityHeaders());
  if (options.slashAliases?.length) app.use(slashAliases(options.slashAliases));
  // The API call's span (a POS's traceparent honoured); no such step at all when tracing is off.
  if (tracingEnabled()) app.use(httpServerSpans());
  app.use(requestContext(app.get(MetricsService)));
  app.use(contentTypeCheck(new Set(options.formPaths ?? [])));
  // Both checks run on the raw bytes before JSON.parse: nesting first (a deep body would blow the stack).
  app.useBodyParser('json', {
    limit: BODY_LIMIT,
    strict: true,
    verify: (req: unknown, res: unknown, buf: Buffer) => {
      rejectDeepJson(req, res, buf);
      refuseDuplicateKeys(wellFormedText(buf));
    },
  });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  const filter = new AllExceptionsFilter(logger);
  const pipe = createValidationPipe();
  app.useGlobalFilters(filter);
  app.useGlobalPipes(pipe);
  if (options.natsQueue) {
    // On the process's one NATS connection (PlatformModule's owner, logged in as this service).
    // The same filter and pipe; the correlation interceptor only here: HTTP requests get their id
    // from the middleware, and a route with no interceptor skips Nest's rxjs interceptor chain.
    const responders = app.connectMicroservice(
      { strategy: new OwnedNatsServer(app.get(NatsConnectionOwner), options.natsQueue.queue) },
      {
        inheritAppConfig: false,
        // Handlers are built with the globals in force when listeners register: set them first.
        deferInitialization: true,
      },
    ) as INestMicroservice & DeferredMicroservice;
    responders.useGlobalFilters(filter);
    responders.useGlobalPipes(pipe);
    responders.useGlobalInterceptors(new NatsCorrelationInterceptor());
    // What connectMicroservice does itself without deferInitialization (the app's init hooks already ran or will run once).
    responders.registerListeners();
    responders.setIsInitialized(true);
    responders.setIsInitHookCalled(true);
  }
  await options.configure?.(app);
  if (inFlight && options.drain) inFlight.drainOnSignals(app, logger, options.drain.graceMs);
  else app.enableShutdownHooks();
  answerParserErrors(app.getHttpServer());
  try {
    await app.listen(options.port, options.host);
  } catch (err) {
    // A port taken (EADDRINUSE): nothing of this app may live on (timers, pools, NATS responders
    // reconnecting). In a test process they outlived the suite and broke the next one in the worker.
    await app.close().catch(() => undefined);
    throw err;
  }
  // NATS may be down at start: responders attach whenever it comes up, the HTTP side serves meanwhile.
  if (options.natsQueue)
    app
      .startAllMicroservices()
      .catch((err: unknown) => logger.error({ err }, 'NATS responders failed to start'));
  logger.info({ port: options.port, host: options.host }, 'listening');
  // The route table as the router holds it: the authorization matrix e2e reads this line.
  logger.info({ routes: registeredRoutes(app) }, 'routes');
  return app;
}

/** TRUST_PROXY (BaseConfig) as Express wants it: false, a hop count, or the proxies' addresses. */
export function trustProxy(setting: string): boolean | number | string[] {
  const value = setting.trim();
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function requestContext(metrics: MetricsService) {
  return (req: Request, res: Response, next: NextFunction) => {
    const receivedAt = performance.now();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
    });
    const incoming = req.headers[CORRELATION_HEADER];
    runWithCorrelation(typeof incoming === 'string' ? incoming : undefined, next, receivedAt);
  };
}

/** `/portal/` → `/portal` before routing, for the few paths that keep the slash form. */
function slashAliases(paths: string[]) {
  const aliases = new Set(paths.map((p) => `${p}/`));
  return (req: Request, _res: Response, next: NextFunction) => {
    const q = req.url.indexOf('?');
    const path = q < 0 ? req.url : req.url.slice(0, q);
    if (aliases.has(path)) req.url = path.slice(0, -1) + (q < 0 ? '' : req.url.slice(q));
    next();
  };
}

/** body-parser's verify hook: a JSON object with a repeated key is 422, not "the last one wins". */
function refuseDuplicateKeys(text: string): void {
  const key = duplicateJsonKey(text);
  if (key !== undefined)
    throw new CloudFlowError(ErrorCode.invalidData, `Invalid data: ${key}: appears more than once`);
}

/** Bodies must be JSON (or a form where allowed): anything else is 422, never parsed by guesswork. */
function contentTypeCheck(formPaths: Set<string>) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.method === 'GET' || req.method === 'HEAD') return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json') return next();
    if (type === 'application/x-www-form-urlencoded' && formPaths.has(req.path)) return next();
    const allowed = formPaths.has(req.path)
      ? 'application/json or application/x-www-form-urlencoded'
      : 'application/json';
    next(new CloudFlowError(ErrorCode.invalidData, `Content-Type must be ${allowed}`));
  };
}
