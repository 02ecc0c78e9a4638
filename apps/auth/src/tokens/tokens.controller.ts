import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  JwksRequest,
  PasswordGrantRequest,
  RefreshGrantRequest,
  SessionRevokeRequest,
  SUBJECTS,
  TokenStatusRequest,
  type RpcResponse,
} from '@cloudflow/contracts';
import { SigningKeysService } from './signing-keys.service';
import { TokenStatusService } from './token-status.service';
import { TokensService } from './tokens.service';

const S = SUBJECTS.auth;
type Reply<K extends keyof typeof S> = Promise<RpcResponse<(typeof S)[K]>>;

/** NATS responders for OAuth grants and the public signing keys. */
@Controller()
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly signingKeys: SigningKeysService,
    private readonly status: TokenStatusService,
  ) {}

  @MessagePattern(S.tokenPassword)
  password(@Payload() request: PasswordGrantRequest): Reply<'tokenPassword'> {
    return this.tokens.passwordGrant(request);
  }

  @MessagePattern(S.tokenRefresh)
  refresh(@Payload() request: RefreshGrantRequest): Reply<'tokenRefresh'> {
    return this.tokens.refreshGrant(request.refreshToken);
  }

  @MessagePattern(S.tokenStatus)
  tokenStatus(@Payload() request: TokenStatusRequest): Reply<'tokenStatus'> {
    return this.status.status(request);
  }

  @MessagePattern(S.sessionRevoke)
  sessionRevoke(@Payload() request: SessionRevokeRequest): Reply<'sessionRevoke'> {
    return this.status.revokeSession(request);
  }

  // Every key that may still have live tokens (the active one and those retired within the overlap).
  @MessagePattern(S.jwksGet)
  jwks(@Payload() _request: JwksRequest): Reply<'jwksGet'> {
    return this.signingKeys.jwks();
  }
}
