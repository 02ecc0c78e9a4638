import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { FindLoginUserRequest, SUBJECTS, type LoginUser } from '@cloudflow/contracts';
import { UserLoginService } from './user-login.service';

/** NATS responder (queue group `admin`) the gateway's OAuth password grant asks. */
@Controller()
export class UserLoginController {
  constructor(private readonly service: UserLoginService) {}

  @MessagePattern(SUBJECTS.admin.userFindForLogin)
  findForLogin(@Payload() request: FindLoginUserRequest): Promise<LoginUser> {
    return this.service.findForLogin(request.developerId, request.username);
  }
}
