import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { In, type EntityManager } from 'typeorm';
import { AppKeyEntity } from './app-key.entity';

/** Every query on auth.app_keys. */
@Injectable()
export class AppKeyRepository {
  constructor(private readonly db: DatabaseService) {}

  findByHash(keyHash: string): Promise<AppKeyEntity | null> {
    return this.db.repository(AppKeyEntity).findOneBy({ keyHash });
  }

  findById(id: string, manager: EntityManager = this.db.manager): Promise<AppKeyEntity | null> {
    return manager.findOneBy(AppKeyEntity, { id });
  }

  /** Locks the row for a state change, so concurrent operator actions apply one after the other. */
  findForUpdate(manager: EntityManager, id: string): Promise<AppKeyEntity | null> {
    return manager.findOne(AppKeyEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Newest first; every developer's keys when no ids are given. */
  async list(developerIds?: string[]): Promise<AppKeyEntity[]> {
    if (developerIds?.length === 0) return [];
    return this.db.repository(AppKeyEntity).find({
      where: developerIds ? { developerId: In(developerIds) } : {},
      order: { createdAt: 'DESC', id: 'ASC' },
    });
  }

  async insert(manager: EntityManager, key: AppKeyEntity): Promise<void> {
    await manager.insert(AppKeyEntity, key);
  }

  async save(manager: EntityManager, key: AppKeyEntity): Promise<AppKeyEntity> {
    return manager.save(AppKeyEntity, key);
  }
}
