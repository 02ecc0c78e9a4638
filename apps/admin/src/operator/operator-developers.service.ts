import { Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { DevelopersRepository } from '../developers/developers.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { toOperatorDeveloperView, type OperatorDeveloperView } from './operator.views';

@Injectable()
export class OperatorDevelopersService {
  constructor(
    private readonly developers: DevelopersRepository,
    private readonly tenants: TenantsRepository,
  ) {}

  async list(): Promise<OperatorDeveloperView[]> {
    const developers = await this.developers.findAll();
    const tenants = await this.tenants.findByDevelopers(developers.map((d) => d.id));
    const byDeveloper = new Map(tenants.map((t) => [t.developerId, t]));
    return developers.map((d) => toOperatorDeveloperView(d, byDeveloper.get(d.id) ?? null));
  }

  /** Production developers may create more named keys (POST /admin/v1/app-keys). */
  async makeProduction(developerId: string): Promise<OperatorDeveloperView> {
    if (!(await this.developers.setKind(developerId, 'production'))) {
      throw new CloudFlowError(ErrorCode.notFound, `Developer '${developerId}' does not exist`);
    }
    const developer = await this.developers.findById(developerId);
    if (!developer) throw new CloudFlowError(ErrorCode.notFound, `Developer '${developerId}' does not exist`);
    return toOperatorDeveloperView(developer, await this.tenants.findByDeveloper(developerId));
  }
}
