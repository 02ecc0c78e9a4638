import { Inject, Injectable } from '@nestjs/common';
import { CloudFlowError, ErrorCode, SUBJECTS, type IssuedAppKey } from '@cloudflow/contracts';
import { JwtVerifier, LOGGER, RpcClient } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { uniqueViolation } from '../common/unique-violation';
import { DevelopersRepository } from '../developers/developers.repository';
import type { PortalSessionInfo } from './portal-session.guard';
import type { LoginDto, SignupDto } from './portal.dto';

const DUPLICATE_EMAIL = 'A developer with this email already exists';
const BAD_LOGIN = 'Invalid email or password';

/** Sign-up, log-in and key reveal: the developer row is ours, every secret is auth's. */
@Injectable()
export class PortalAccountService {
  constructor(
    private readonly developers: DevelopersRepository,
    private readonly rpc: RpcClient,
    private readonly jwt: JwtVerifier,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Sign-ups are counted per client address by auth (each mints a sandbox key): 429 past the limit, and the row is taken back. */
  async signup(dto: SignupDto, clientAddress?: string): Promise<{ developerId: string }> {
    if (await this.developers.findByEmail(dto.email))
      throw new CloudFlowError(ErrorCode.duplicateItem, DUPLICATE_EMAIL);
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
      await this.rpc.send(SUBJECTS.auth.developerRegister, {
        developerId,
        password: dto.password,
        ...(clientAddress ? { clientAddress } : {}),
      });
    } catch (error) {
      await this.developers
        .delete(developerId)
        .catch((err: unknown) => this.logger.error({ err, developerId }, 'sign-up compensation failed'));
      throw error;
    }
    return { developerId };
  }

  /**
   * An unknown email still goes to auth (without a developerId): it costs the same argon2 run and
   * is counted like a wrong password, so neither the time nor the throttle tells who has an account.
   */
  async login(dto: LoginDto, clientAddress?: string): Promise<{ sessionToken: string }> {
    const developer = await this.developers.findByEmail(dto.email);
    try {
      const session = await this.rpc.send(SUBJECTS.auth.developerLogin, {
        ...(developer ? { developerId: developer.id } : {}),
        email: dto.email,
        password: dto.password,
        ...(clientAddress ? { clientAddress } : {}),
      });
      return { sessionToken: session.sessionToken };
    } catch (error) {
      // One message for unknown email and wrong password alike.
      if (error instanceof CloudFlowError && error.code === ErrorCode.unauthorized)
        throw new CloudFlowError(ErrorCode.unauthorized, BAD_LOGIN);
      throw error;
    }
  }

  async reveal(
    developerId: string,
    password: string,
    clientAddress?: string,
  ): Promise<Pick<IssuedAppKey, 'appKey' | 'keyId' | 'prefix'>> {
    const key = await this.rpc.send(SUBJECTS.auth.appKeyReveal, {
      developerId,
      password,
      ...(clientAddress ? { clientAddress } : {}),
    });
    return { appKey: key.appKey, keyId: key.keyId, prefix: key.prefix };
  }

  /** Revoked at auth (every admin replica asks it, believing "active" at most 5 s); this replica forgets it at once. */
  async logout(session: PortalSessionInfo): Promise<void> {
    await this.rpc.send(SUBJECTS.auth.sessionRevoke, {
      developerId: session.developerId,
      jti: session.jti,
      expiresAt: session.expiresAt,
    });
    this.jwt.forget(session.jti);
  }
}
