import { DeveloperEntity } from './developers/developer.entity';
import { AdminInitial1763900000000 } from './migrations/1763900000000-admin-initial.migration';
import { TenantEntity } from './tenants/tenant.entity';
import { UserEntity } from './users/user.entity';

/** Every entity and committed migration of the admin schema. */
export const ADMIN_ENTITIES = [DeveloperEntity, TenantEntity, UserEntity];
export const ADMIN_MIGRATIONS = [AdminInitial1763900000000];
