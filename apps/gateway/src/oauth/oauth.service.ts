import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  SUBJECTS,
  type AppKeyInfo,
  type LoginUser,
  type TokenPair,
} from '@cloudflow/contracts';
import { RpcClient } from '@cloudflow/platform';
import { asOauthError, oauthError } from './oauth-errors';

const MAX_FIELD = 512;

/**
 * The token endpoint's decisions: which grant, which user. The user is looked up in the
 * tenant of the developer who owns the APP key, so a key only ever logs in its own business.
 */
@Injectable()
export class OauthService {
  constructor(private readonly rpc: RpcClient) {}

  async token(
    appKey: AppKeyInfo,
    params: Record<string, unknown>,
    clientAddress?: string,
  ): Promise<TokenPair> {
    const grant = field(params, 'grant_type');
    try {
      switch (grant) {
        case 'password':
          return await this.passwordGrant(appKey, params, clientAddress);
        case 'refresh_token':
          return await this.rpc.send(SUBJECTS.auth.tokenRefresh, {
            refreshToken: required(params, 'refresh_token'),
          });
        case undefined:
          throw oauthError('invalid_request', 'grant_type is required');
        default:
          throw oauthError(
            'unsupported_grant_type',
            `grant_type '${grant}' is not supported; use password or refresh_token`,
          );
      }
    } catch (error) {
      throw asOauthError(error);
    }
  }

  /**
   * An unknown username still goes to auth (without a userId): it costs the same argon2 run and
   * is counted on the same `login` (business + username), so neither time nor throttle tells
   * which usernames exist.
   */
  private async passwordGrant(
    appKey: AppKeyInfo,
    params: Record<string, unknown>,
    clientAddress?: string,
  ): Promise<TokenPair> {
    const username = required(params, 'username');
    const password = required(params, 'password');
    const scope = field(params, 'scope');
    const user = await this.rpc
      .send(SUBJECTS.admin.userFindForLogin, { developerId: appKey.developerId, username })
      .catch((error: unknown): LoginUser | undefined => {
        if (error instanceof CloudFlowError && error.code === ErrorCode.unauthorized) return undefined;
        throw error;
      });
    return this.rpc.send(SUBJECTS.auth.tokenPassword, {
      ...(user ? { userId: user.userId, tenantId: user.tenantId, role: user.role } : {}),
      login: `${appKey.developerId}:${username}`,
      password,
      ...(scope ? { scope } : {}),
      ...(clientAddress ? { clientAddress } : {}),
    });
  }
}

function field(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_FIELD)
    throw oauthError('invalid_request', `${name} must be a string of at most ${MAX_FIELD} characters`);
  return value;
}

function required(params: Record<string, unknown>, name: string): string {
  const value = field(params, name);
  if (value === undefined) throw oauthError('invalid_request', `${name} is required`);
  return value;
}
