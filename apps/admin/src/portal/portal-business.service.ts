import { Inject, Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import { LOGGER, RpcClient } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { uniqueViolation } from '../common/unique-violation';
import type { DeveloperEntity } from '../developers/developer.entity';
import { DevelopersRepository } from '../developers/developers.repository';
import { newBusinessCode } from '../tenants/business-code';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersRepository } from '../users/users.repository';
import type { CreateAdminUserDto } from './portal.dto';
import {
  toAdminUserView,
  toCompanyView,
  toDeveloperView,
  toPortalKeyView,
  type AdminUserView,
  type CompanyView,
  type SettingsView,
} from './portal.views';

const CODE_ATTEMPTS = 5;
const COMPANY_EXISTS = 'A company already exists for this developer';
const ADMIN_EXISTS = 'An admin user already exists for this company';

/** The signed-in developer's Settings page: business profile, admin user, APP keys. */
@Injectable()
export class PortalBusinessService {
  constructor(
    private readonly developers: DevelopersRepository,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly rpc: RpcClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async settings(developerId: string): Promise<SettingsView> {
    const developer = await this.developer(developerId);
    const [tenant, keys] = await Promise.all([
      this.tenants.findByDeveloper(developerId),
      this.rpc.send(SUBJECTS.auth.developerKeys, { developerId }),
    ]);
    const admin = tenant ? await this.users.findAdmin(tenant.id) : null;
    return {
      developer: toDeveloperView(developer),
      company: tenant ? toCompanyView(tenant) : null,
      adminUser: admin ? toAdminUserView(admin) : null,
      appKeys: keys.keys.map(toPortalKeyView),
    };
  }

  async createCompany(developerId: string, name: string): Promise<CompanyView> {
    await this.developer(developerId);
    if (await this.tenants.findByDeveloper(developerId))
      throw new CloudFlowError(ErrorCode.duplicateItem, COMPANY_EXISTS);
    for (let attempt = 1; ; attempt++) {
      try {
        const tenant = await this.tenants.insert({
          id: randomUUID(),
          developerId,
          businessCode: newBusinessCode(),
          name,
        });
        return toCompanyView(tenant);
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint === 'tenants_developer_id_key')
          throw new CloudFlowError(ErrorCode.duplicateItem, COMPANY_EXISTS);
        // 40 random bits rarely collide; when they do, draw again.
        if (constraint === 'tenants_business_code_key' && attempt < CODE_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  async createAdminUser(
    developerId: string,
    dto: CreateAdminUserDto,
  ): Promise<AdminUserView & { tenantId: string }> {
    const developer = await this.developer(developerId);
    const tenant = await this.tenants.findByDeveloper(developerId);
    if (!tenant) throw new CloudFlowError(ErrorCode.preconditionFailed, 'Create a company first');
    if (await this.users.findAdmin(tenant.id))
      throw new CloudFlowError(ErrorCode.duplicateItem, ADMIN_EXISTS);
    const userId = randomUUID();
    try {
      await this.users.insert(tenant.id, {
        id: userId,
        username: dto.username,
        name: dto.name ?? developer.name,
        email: dto.email ?? developer.email,
        timeZone: dto.timeZone,
        role: 'admin',
      });
    } catch (error) {
      if (uniqueViolation(error)) throw new CloudFlowError(ErrorCode.duplicateItem, ADMIN_EXISTS);
      throw error;
    }
    try {
      await this.rpc.send(SUBJECTS.auth.userCredentialsSet, {
        userId,
        tenantId: tenant.id,
        password: dto.password,
        ...(dto.pin ? { pin: dto.pin } : {}),
      });
    } catch (error) {
      // No user without credentials: undo the row so the developer can simply try again.
      await this.users
        .delete(tenant.id, userId)
        .catch((err: unknown) => this.logger.error({ err, userId }, 'admin-user compensation failed'));
      throw error;
    }
    const user = await this.users.findAdmin(tenant.id);
    if (!user)
      throw new CloudFlowError(
        ErrorCode.failed,
        'The admin user disappeared while it was being created; please retry',
      );
    return { ...toAdminUserView(user), tenantId: tenant.id };
  }

  /** A valid session for a developer that no longer exists (sign-up compensated) is no session. */
  private async developer(developerId: string): Promise<DeveloperEntity> {
    const developer = await this.developers.findById(developerId);
    if (!developer)
      throw new CloudFlowError(ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token');
    return developer;
  }
}
