import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import { UserEntity, type UserRole } from './user.entity';

export interface NewUser {
  id: string;
  username: string;
  name: string;
  email: string;
  timeZone: string;
  role: UserRole;
}

/** Tenant users. Every method takes the tenant id, so no query can reach across tenants. */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: DatabaseService) {}

  private get repo() {
    return this.db.repository(UserEntity);
  }

  async insert(tenantId: string, user: NewUser): Promise<UserEntity> {
    await this.repo.insert({ ...user, tenantId });
    return this.repo.findOneByOrFail({ tenantId, id: user.id });
  }

  async delete(tenantId: string, userId: string): Promise<void> {
    await this.repo.delete({ tenantId, id: userId });
  }

  /** Oldest first, so the portal's admin user leads the list. */
  list(tenantId: string): Promise<UserEntity[]> {
    return this.repo.find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findAdmin(tenantId: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ tenantId, role: 'admin' });
  }

  /** Exact, case-sensitive match (CONTRACT.md: everything is case sensitive). */
  findByUsername(tenantId: string, username: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ tenantId, username });
  }
}
