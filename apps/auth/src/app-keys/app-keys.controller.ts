import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateAppKeyRequest,
  DeveloperKeysRequest,
  KeyIdRequest,
  ListAppKeysRequest,
  RevealAppKeyRequest,
  SUBJECTS,
  UpdateAppKeyRequest,
  VerifyAppKeyRequest,
  type RpcResponse,
} from '@cloudflow/contracts';
import { AppKeyLifecycleService } from './app-key-lifecycle.service';
import { AppKeysService } from './app-keys.service';

const S = SUBJECTS.auth;
type Reply<K extends keyof typeof S> = Promise<RpcResponse<(typeof S)[K]>>;

/** NATS responders for APP keys (queue group `auth`). */
@Controller()
export class AppKeysController {
  constructor(
    private readonly keys: AppKeysService,
    private readonly lifecycle: AppKeyLifecycleService,
  ) {}

  @MessagePattern(S.appKeyVerify)
  verify(@Payload() request: VerifyAppKeyRequest): Reply<'appKeyVerify'> {
    return this.keys.verify(request.appKey);
  }

  @MessagePattern(S.appKeyReveal)
  reveal(@Payload() request: RevealAppKeyRequest): Reply<'appKeyReveal'> {
    return this.keys.reveal(request.developerId, request.password, request.clientAddress);
  }

  @MessagePattern(S.appKeyList)
  list(@Payload() request: ListAppKeysRequest): Reply<'appKeyList'> {
    return this.keys.list(request.developerIds);
  }

  @MessagePattern(S.developerKeys)
  developerKeys(@Payload() request: DeveloperKeysRequest): Reply<'developerKeys'> {
    return this.keys.list([request.developerId]);
  }

  @MessagePattern(S.appKeyCreate)
  create(@Payload() request: CreateAppKeyRequest): Reply<'appKeyCreate'> {
    return this.keys.create(request.developerId, request.kind, request.name);
  }

  @MessagePattern(S.appKeyRevoke)
  revoke(@Payload() request: KeyIdRequest): Reply<'appKeyRevoke'> {
    return this.lifecycle.revoke(request.keyId);
  }

  @MessagePattern(S.appKeyExpire)
  expire(@Payload() request: KeyIdRequest): Reply<'appKeyExpire'> {
    return this.lifecycle.expire(request.keyId);
  }

  @MessagePattern(S.appKeyRenew)
  renew(@Payload() request: KeyIdRequest): Reply<'appKeyRenew'> {
    return this.lifecycle.renew(request.keyId);
  }

  @MessagePattern(S.appKeyUpdate)
  update(@Payload() request: UpdateAppKeyRequest): Reply<'appKeyUpdate'> {
    return this.lifecycle.update(request);
  }
}
