import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { In } from 'typeorm';
import { TenantEntity } from './tenant.entity';

export interface NewTenant {
  id: string;
  developerId: string;
  businessCode: string;
  name: string;
}

/** Business profiles. Lookups are by the tenant's own id or by its owning developer. */
@Injectable()
export class TenantsRepository {
  constructor(private readonly db: DatabaseService) {}

  private get repo() {
    return this.db.repository(TenantEntity);
  }

  async insert(tenant: NewTenant): Promise<TenantEntity> {
    await this.repo.insert(tenant);
    return this.repo.findOneByOrFail({ id: tenant.id });
  }

  findById(tenantId: string): Promise<TenantEntity | null> {
    return this.repo.findOneBy({ id: tenantId });
  }

  findByDeveloper(developerId: string): Promise<TenantEntity | null> {
    return this.repo.findOneBy({ developerId });
  }

  findByDevelopers(developerIds: string[]): Promise<TenantEntity[]> {
    return developerIds.length ? this.repo.findBy({ developerId: In(developerIds) }) : Promise.resolve([]);
  }
}
