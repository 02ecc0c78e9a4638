import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  JwksRequest,
  PasswordGrantRequest,
  RefreshGrantRequest,
  SUBJECTS,
  type RpcResponse,
} from '@cloudflow/contracts';
import { SigningKeysService } from './signing-keys.service';
import { TokensService } from './tokens.service';

const S = SUBJECTS.auth;
type Reply<K extends keyof typeof S> = Promise<RpcResponse<(typeof S)[K]>>;

/** NATS responders for OAuth grants and the public signing keys. */
@Controller()
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly signingKeys: SigningKeysService,
  ) {}

  @MessagePattern(S.tokenPassword)
  password(@Payload() request: PasswordGrantRequest): Reply<'tokenPassword'> {
    return this.tokens.passwordGrant(request);
  }

  @MessagePattern(S.tokenRefresh)
  refresh(@Payload() request: RefreshGrantRequest): Reply<'tokenRefresh'> {
    return this.tokens.refreshGrant(request.refreshToken);
  }

  // Every published key, whatever `which` asks: no key is retired yet.
  @MessagePattern(S.jwksGet)
  jwks(@Payload() _request: JwksRequest): Reply<'jwksGet'> {
    return this.signingKeys.jwks();
  }
}
