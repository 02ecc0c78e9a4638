import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  DeveloperLoginRequest,
  RegisterDeveloperRequest,
  SetUserCredentialsRequest,
  SUBJECTS,
  type RpcResponse,
} from '@cloudflow/contracts';
import { CredentialsService } from './credentials.service';

const S = SUBJECTS.auth;
type Reply<K extends keyof typeof S> = Promise<RpcResponse<(typeof S)[K]>>;

/** NATS responders for developer and tenant-user credentials. */
@Controller()
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @MessagePattern(S.developerRegister)
  register(@Payload() request: RegisterDeveloperRequest): Reply<'developerRegister'> {
    return this.credentials.registerDeveloper(request.developerId, request.password, request.clientAddress);
  }

  @MessagePattern(S.developerLogin)
  login(@Payload() request: DeveloperLoginRequest): Reply<'developerLogin'> {
    return this.credentials.developerLogin(request);
  }

  @MessagePattern(S.userCredentialsSet)
  setUser(@Payload() request: SetUserCredentialsRequest): Reply<'userCredentialsSet'> {
    return this.credentials.setUserCredentials(request);
  }
}
