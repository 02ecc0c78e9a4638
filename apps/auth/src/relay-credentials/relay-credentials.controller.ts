import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CredentialCheckRequest,
  DeleteCredentialRequest,
  SetAccountCredentialRequest,
  SetDeviceCredentialRequest,
  SUBJECTS,
  VerifyAccountRequest,
  VerifyDeviceRequest,
  RotateWebhookSecretRequest,
  WebhookSecretRequest,
  WebsocketTokenRequest,
  type RpcResponse,
} from '@cloudflow/contracts';
import { RelayCredentialsService } from './relay-credentials.service';
import { RelayTokensService } from './relay-tokens.service';
import { WebhookSecretsService } from './webhook-secrets.service';

const S = SUBJECTS.auth;
type Reply<K extends keyof typeof S> = Promise<RpcResponse<(typeof S)[K]>>;

/** NATS responders for the relay's credentials: API tokens, websocket JWTs, webhook secrets. */
@Controller()
export class RelayCredentialsController {
  constructor(
    private readonly credentials: RelayCredentialsService,
    private readonly tokens: RelayTokensService,
    private readonly webhookSecrets: WebhookSecretsService,
  ) {}

  @MessagePattern(S.accountCredentialSet)
  setAccount(@Payload() request: SetAccountCredentialRequest): Reply<'accountCredentialSet'> {
    return this.credentials.setAccount(request);
  }

  @MessagePattern(S.accountVerify)
  verifyAccount(@Payload() request: VerifyAccountRequest): Reply<'accountVerify'> {
    return this.credentials.verifyAccount(request);
  }

  @MessagePattern(S.deviceCredentialSet)
  setDevice(@Payload() request: SetDeviceCredentialRequest): Reply<'deviceCredentialSet'> {
    return this.credentials.setDevice(request);
  }

  @MessagePattern(S.deviceVerify)
  verifyDevice(@Payload() request: VerifyDeviceRequest): Reply<'deviceVerify'> {
    return this.credentials.verifyDevice(request);
  }

  @MessagePattern(S.credentialDelete)
  delete(@Payload() request: DeleteCredentialRequest): Reply<'credentialDelete'> {
    return this.credentials.delete(request);
  }

  @MessagePattern(S.credentialCheck)
  check(@Payload() request: CredentialCheckRequest): Reply<'credentialCheck'> {
    return this.credentials.check(request);
  }

  @MessagePattern(S.websocketToken)
  websocketToken(@Payload() request: WebsocketTokenRequest): Reply<'websocketToken'> {
    return this.tokens.websocketToken(request);
  }

  @MessagePattern(S.webhookSecretCreate)
  createWebhookSecret(@Payload() request: WebhookSecretRequest): Reply<'webhookSecretCreate'> {
    return this.webhookSecrets.create(request);
  }

  @MessagePattern(S.webhookSecretRotate)
  rotateWebhookSecret(@Payload() request: RotateWebhookSecretRequest): Reply<'webhookSecretRotate'> {
    return this.webhookSecrets.rotate(request);
  }

  @MessagePattern(S.webhookSecretGet)
  getWebhookSecret(@Payload() request: WebhookSecretRequest): Reply<'webhookSecretGet'> {
    return this.webhookSecrets.get(request);
  }
}
