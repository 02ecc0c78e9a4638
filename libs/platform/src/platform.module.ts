import {
  DynamicModule,
  Inject,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
  type Provider,
} from '@nestjs/common';
import { SUBJECTS } from '@cloudflow/contracts';
import { hostname } from 'node:os';
import { JwtVerifier } from './auth/jwt-verifier';
import { BaseConfig } from './config/base.config';
import { DatabaseService, type DatabaseOptions } from './database/database.service';
import { HealthController } from './health/health.controller';
import { MetricsService } from './health/metrics.service';
import { ReadinessService } from './health/readiness.service';
import { createLogger } from './logging/logger';
import { LOGGER } from './logging/logger.token';
import { Broadcasts } from './nats/broadcasts';
import { NatsConnectionOwner } from './nats/nats-connection.owner';
import { natsAuth } from './nats/nats-options';
import { OwnedNatsClient } from './nats/owned-nats.client';
import { RpcClient } from './nats/rpc-client';
import { startTracing, stopTracing } from './tracing/tracing';

export interface PlatformOptions {
  service: string;
  config: BaseConfig;
  database?: DatabaseOptions;
}

/** Exports the spans still buffered when the service stops (nothing to do when tracing is off). */
class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing().catch(() => undefined);
  }
}

class ReadinessWiring implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly nats: NatsConnectionOwner,
    @Optional() @Inject(DatabaseService) private readonly db?: DatabaseService,
  ) {}
  onModuleInit(): void {
    this.readiness.register('nats', () => this.nats.isConnected());
    if (this.db) this.readiness.register('postgres', () => this.db!.isReady());
  }
}

/**
 * Nest glue every service shares; no business logic. The domain libraries that only some
 * services use are imported beside it: @cloudflow/access (APP keys, usage) and
 * @cloudflow/presence (device ownership, connection slots).
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const { config, service } = options;
    const instance = config.INSTANCE_ID ?? `${hostname()}:${process.pid}`;
    const logger = createLogger(service, config.LOG_LEVEL, instance);
    const natsName = `${service}@${instance}`;
    // First thing the service builds: spans exist from its first request on (OTEL_EXPORTER_OTLP_ENDPOINT).
    startTracing({ service, instance, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
    const nats = natsAuth(config, service);
    const providers: Provider[] = [
      { provide: LOGGER, useValue: logger },
      { provide: BaseConfig, useValue: config },
      { provide: MetricsService, useValue: new MetricsService(service) },
      ReadinessService,
      {
        provide: NatsConnectionOwner,
        useFactory: () => new NatsConnectionOwner(config.NATS_URL, natsName, config.NATS_JS_REPLICAS, nats),
      },
      {
        provide: Broadcasts,
        inject: [NatsConnectionOwner],
        useFactory: (nats: NatsConnectionOwner) => new Broadcasts(nats, logger),
      },
      {
        provide: RpcClient,
        inject: [NatsConnectionOwner],
        // Nest's request/reply protocol over the process's one NATS connection.
        useFactory: (owner: NatsConnectionOwner) =>
          new RpcClient(new OwnedNatsClient(owner, nats.inboxPrefix), config.RPC_TIMEOUT_MS),
      },
      {
        provide: JwtVerifier,
        inject: [RpcClient],
        // Admin and portal tokens are also asked about at auth (log-out, password change); only admin calls for those audiences.
        useFactory: (rpc: RpcClient) =>
          new JwtVerifier(() => rpc.send(SUBJECTS.auth.jwksGet, {}), {
            tokenStatus: (request) => rpc.send(SUBJECTS.auth.tokenStatus, request),
          }),
      },
      ReadinessWiring,
      TracingShutdown,
    ];
    if (options.database) {
      const db = options.database;
      providers.push({
        provide: DatabaseService,
        useFactory: () => new DatabaseService(config.DATABASE_URL, db, logger),
      });
    }
    return {
      module: PlatformModule,
      global: true,
      controllers: [HealthController],
      providers,
      exports: providers.filter((p) => p !== ReadinessWiring && p !== TracingShutdown),
    };
  }
}
