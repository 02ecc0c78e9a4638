import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import type { KeyKind } from '@cloudflow/contracts';
import { In } from 'typeorm';
import { DeveloperEntity } from './developer.entity';

export interface NewDeveloper {
  id: string;
  name: string;
  email: string;
  kind: KeyKind;
}

/** Developers (not tenant data: a developer owns a tenant, not the other way round). */
@Injectable()
export class DevelopersRepository {
  constructor(private readonly db: DatabaseService) {}

  private get repo() {
    return this.db.repository(DeveloperEntity);
  }

  async insert(developer: NewDeveloper): Promise<DeveloperEntity> {
    await this.repo.insert(developer);
    return this.repo.findOneByOrFail({ id: developer.id });
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  findById(id: string): Promise<DeveloperEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** Case-insensitive, served by the unique index on lower(email). */
  findByEmail(email: string): Promise<DeveloperEntity | null> {
    return this.repo.createQueryBuilder('d').where('lower(d.email) = lower(:email)', { email }).getOne();
  }

  findByIds(ids: string[]): Promise<DeveloperEntity[]> {
    return ids.length ? this.repo.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  findAll(): Promise<DeveloperEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** True when a row changed (false: no such developer). */
  async setKind(id: string, kind: KeyKind): Promise<boolean> {
    const result = await this.repo.update({ id }, { kind });
    return (result.affected ?? 0) > 0;
  }
}
