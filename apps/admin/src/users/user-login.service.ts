import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, type LoginUser } from '@cloudflow/contracts';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersRepository } from './users.repository';

const INVALID = 'Invalid username or password';

/** The same answer for "no tenant", "no such user" and (in auth) "wrong password": RFC 6749 invalid_grant. */
export function invalidGrant(): CloudFlowError {
  return new CloudFlowError(ErrorCode.unauthorized, INVALID, {
    extra: { error: 'invalid_grant', error_description: INVALID },
  });
}

/** Resolves the user a password grant names, only inside the tenant of the APP key's developer. */
@Injectable()
export class UserLoginService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
  ) {}

  async findForLogin(developerId: string, username: string): Promise<LoginUser> {
    const tenant = await this.tenants.findByDeveloper(developerId);
    if (!tenant) throw invalidGrant();
    const user = await this.users.findByUsername(tenant.id, username);
    if (!user) throw invalidGrant();
    return { userId: user.id, tenantId: tenant.id, role: user.role };
  }
}
