import { Injectable } from '@nestjs/common';
import { SUBJECTS, type AppKeyInfo, type TokenPair } from '@cloudflow/contracts';
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

  async token(appKey: AppKeyInfo, params: Record<string, unknown>): Promise<TokenPair> {
    const grant = field(params, 'grant_type');
    try {
      switch (grant) {
        case 'password':
          return await this.passwordGrant(appKey, params);
        case 'refresh_token':
          return await this.rpc.send(SUBJECTS.auth.tokenRefresh, { refreshToken: required(params, 'refresh_token') });
        case undefined:
          throw oauthError('invalid_request', 'grant_type is required');
        default:
          throw oauthError('unsupported_grant_type', `grant_type '${grant}' is not supported; use password or refresh_token`);
      }
    } catch (error) {
      throw asOauthError(error);
    }
  }

  private async passwordGrant(appKey: AppKeyInfo, params: Record<string, unknown>): Promise<TokenPair> {
    const username = required(params, 'username');
    const password = required(params, 'password');
    const scope = field(params, 'scope');
    const user = await this.rpc.send(SUBJECTS.admin.userFindForLogin, { developerId: appKey.developerId, username });
    return this.rpc.send(SUBJECTS.auth.tokenPassword, { userId: user.userId, tenantId: user.tenantId, role: user.role, password, ...(scope ? { scope } : {}) });
  }
}

function field(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > MAX_FIELD) throw oauthError('invalid_request', `${name} must be a string of at most ${MAX_FIELD} characters`);
  return value;
}

function required(params: Record<string, unknown>, name: string): string {
  const value = field(params, name);
  if (value === undefined) throw oauthError('invalid_request', `${name} is required`);
  return value;
}
