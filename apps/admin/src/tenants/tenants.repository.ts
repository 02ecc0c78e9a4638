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

  /** The operator's ceiling for the tenant: null when unset, undefined when there is no such tenant. */
  async connectionCeiling(tenantId: string): Promise<number | null | undefined> {
    const row = await this.repo.findOne({
      where: { id: tenantId },
      select: { id: true, connectionCeiling: true },
    });
    return row ? row.connectionCeiling : undefined;
  }

  /** Sets (or, with null, clears) the tenant's ceiling; false when there is no such tenant. */
  async setConnectionCeiling(tenantId: string, ceiling: number | null): Promise<boolean> {
    const result = await this.repo.update({ id: tenantId }, { connectionCeiling: ceiling });
    return (result.affected ?? 0) > 0;
  }

  findByDevelopers(developerIds: string[]): Promise<TenantEntity[]> {
    return developerIds.length ? this.repo.findBy({ developerId: In(developerIds) }) : Promise.resolve([]);
  }
}
