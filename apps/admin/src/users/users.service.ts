import { Inject, Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, SUBJECTS } from '@cloudflow/contracts';
import { LOGGER, RpcClient } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { uniqueViolation } from '../common/unique-violation';
import type { UserEntity } from './user.entity';
import type { CreateUserDto } from './users.dto';
import { UsersRepository } from './users.repository';
import { toUserView, type UserView } from './users.views';

const usernameTaken = (username: string) =>
  new CloudFlowError(ErrorCode.duplicateItem, `Username '${username}' is already taken`);

/** Tenant users of the admin API: the row here, the password and PIN hashes (argon2id) in auth. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly rpc: RpcClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(tenantId: string): Promise<UserView[]> {
    return (await this.users.list(tenantId)).map(toUserView);
  }

  async create(tenantId: string, dto: CreateUserDto): Promise<UserView> {
    if (await this.users.findByUsername(tenantId, dto.username)) throw usernameTaken(dto.username);
    const user = await this.insert(tenantId, dto);
    try {
      await this.rpc.send(SUBJECTS.auth.userCredentialsSet, {
        userId: user.id,
        tenantId,
        password: dto.password,
        ...(dto.pin ? { pin: dto.pin } : {}),
      });
    } catch (error) {
      // No user without credentials: undo the row so the caller can simply try again.
      await this.users
        .delete(tenantId, user.id)
        .catch((err: unknown) => this.logger.error({ err, userId: user.id }, 'user compensation failed'));
      throw error;
    }
    return toUserView(user);
  }

  private async insert(tenantId: string, dto: CreateUserDto): Promise<UserEntity> {
    try {
      return await this.users.insert(tenantId, {
        id: randomUUID(),
        username: dto.username,
        name: dto.name ?? dto.username,
        email: dto.email ?? '',
        timeZone: dto.timeZone,
        role: 'user',
      });
    } catch (error) {
      // Two creates of the same name raced past the check in create().
      if (uniqueViolation(error) === 'users_tenant_id_username_key') throw usernameTaken(dto.username);
      throw error;
    }
  }
}
