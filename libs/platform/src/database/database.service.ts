import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import type { Logger } from 'pino';
import {
  DataSource,
  type DataSourceOptions,
  type EntityManager,
  type EntityTarget,
  type ObjectLiteral,
  type Repository,
} from 'typeorm';
import { isStorageOutage } from '../errors/to-cloudflow-error';

export interface DatabaseOptions {
  /** The service's own Postgres schema; no service touches another's. */
  schema: string;
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
}

/**
 * The service's Postgres link. Connects in the background (start-up never waits for, or dies
 * of, a missing database), runs the committed migrations under an advisory lock (replicas may
 * start together), and turns an outage into `storageFailed` for callers.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationShutdown {
  readonly dataSource: DataSource;
  private ready = false;
  private stopped = false;
  private initializing?: Promise<void>;

  constructor(
    url: string,
    private readonly options: DatabaseOptions,
    private readonly logger: Logger,
  ) {
    this.dataSource = new DataSource({
      type: 'postgres',
      url,
      schema: options.schema,
      entities: options.entities,
      migrations: options.migrations,
      migrationsTableName: 'migrations',
      synchronize: false,
      migrationsRun: false,
      extra: { max: 10, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000 },
    });
  }

  onModuleInit(): void {
    this.initializing = this.connectLoop();
  }

  /** Resolves once connected and migrated (tests and start-up scripts wait on it). */
  whenReady(): Promise<void> {
    return this.initializing ?? Promise.resolve();
  }

  /** Ready means connected, migrated, and answering right now. */
  async isReady(): Promise<boolean> {
    if (!this.ready) return false;
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  get manager(): EntityManager {
    if (!this.ready)
      throw new CloudFlowError(ErrorCode.storageFailed, 'Storage is unavailable; nothing was changed');
    return this.dataSource.manager;
  }

  repository<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.manager.getRepository(entity);
  }

  /** Runs work in one transaction; an outage surfaces as `storageFailed`. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.run(() => this.manager.transaction(work));
  }

  /**
   * Reads that must agree with each other (a row and its child rows written in one commit): one
   * REPEATABLE READ transaction, so every statement sees the same snapshot. Under the default
   * READ COMMITTED, a commit between two reads shows half of it.
   */
  snapshot<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.run(() => this.manager.transaction('REPEATABLE READ', work));
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isStorageOutage(error))
        throw new CloudFlowError(ErrorCode.storageFailed, 'Storage is unavailable; nothing was changed');
      throw error;
    }
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        if (!this.dataSource.isInitialized) await this.dataSource.initialize();
        await this.migrate();
        this.ready = true;
        this.logger.info({ schema: this.options.schema }, 'database ready');
        return;
      } catch (error) {
        if (attempt === 1 || attempt % 20 === 0)
          this.logger.warn({ err: error, attempt }, 'database not reachable yet; retrying');
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 2000)));
      }
    }
  }

  private async migrate(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // Replicas starting together take turns; the second finds nothing left to run.
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [
        `cloudflow-migrate-${this.options.schema}`,
      ]);
      // With per-service roles the schema already exists, owned by this service's role, which may
      // not create schemas (CREATE SCHEMA IF NOT EXISTS checks that right even when it exists).
      const [{ present }] = (await runner.query(
        'SELECT count(*)::int AS present FROM pg_namespace WHERE nspname = $1',
        [this.options.schema],
      )) as Array<{ present: number }>;
      if (!present) await runner.query(`CREATE SCHEMA IF NOT EXISTS "${this.options.schema}"`);
      const ran = await this.dataSource.runMigrations({ transaction: 'each' });
      if (ran.length) this.logger.info({ migrations: ran.map((m) => m.name) }, 'migrations applied');
    } finally {
      await runner
        .query('SELECT pg_advisory_unlock(hashtext($1))', [`cloudflow-migrate-${this.options.schema}`])
        .catch(() => undefined);
      await runner.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.dataSource.isInitialized) await this.dataSource.destroy().catch(() => undefined);
  }
}
