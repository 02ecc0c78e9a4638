import { Inject, Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, SUBJECTS, type IssuedAppKey } from '@cloudflow/contracts';
import { LOGGER, RpcClient } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { uniqueViolation } from '../common/unique-violation';
import { DevelopersRepository } from '../developers/developers.repository';
import type { LoginDto, SignupDto } from './portal.dto';

const DUPLICATE_EMAIL = 'A developer with this email already exists';
const BAD_LOGIN = 'Invalid email or password';

/** Sign-up, log-in and key reveal: the developer row is ours, every secret is auth's. */
@Injectable()
export class PortalAccountService {
  constructor(
    private readonly developers: DevelopersRepository,
    private readonly rpc: RpcClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async signup(dto: SignupDto): Promise<{ developerId: string }> {
    if (await this.developers.findByEmail(dto.email)) throw new CloudFlowError(ErrorCode.duplicateItem, DUPLICATE_EMAIL);
    const developerId = randomUUID();
    try {
      await this.developers.insert({ id: developerId, name: dto.name, email: dto.email, kind: 'sandbox' });
    } catch (error) {
      // Two sign-ups with one email at once: the unique index decides.
      if (uniqueViolation(error)) throw new CloudFlowError(ErrorCode.duplicateItem, DUPLICATE_EMAIL);
      throw error;
    }
    try {
      // Auth stores the password hash and makes the sandbox key; its clear key is revealed later, not here.
      await this.rpc.send(SUBJECTS.auth.developerRegister, { developerId, password: dto.password });
    } catch (error) {
      await this.developers.delete(developerId).catch((err: unknown) => this.logger.error({ err, developerId }, 'sign-up compensation failed'));
      throw error;
    }
    return { developerId };
  }

  async login(dto: LoginDto): Promise<{ sessionToken: string }> {
    const developer = await this.developers.findByEmail(dto.email);
    if (!developer) throw new CloudFlowError(ErrorCode.unauthorized, BAD_LOGIN);
    try {
      const session = await this.rpc.send(SUBJECTS.auth.developerLogin, { developerId: developer.id, password: dto.password });
      return { sessionToken: session.sessionToken };
    } catch (error) {
      // One message for unknown email and wrong password alike.
      if (error instanceof CloudFlowError && error.code === ErrorCode.unauthorized) throw new CloudFlowError(ErrorCode.unauthorized, BAD_LOGIN);
      throw error;
    }
  }

  async reveal(developerId: string, password: string): Promise<Pick<IssuedAppKey, 'appKey' | 'keyId' | 'prefix'>> {
    const key = await this.rpc.send(SUBJECTS.auth.appKeyReveal, { developerId, password });
    return { appKey: key.appKey, keyId: key.keyId, prefix: key.prefix };
  }
}
