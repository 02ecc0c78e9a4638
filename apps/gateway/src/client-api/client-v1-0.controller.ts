import { Controller } from '@nestjs/common';
import { ConnectionCredentialsService } from '../connection/connection-credentials.service';
import { ClientApiRoutes } from './client-api.routes';
import { ClientApiController } from './client-api.docs';
import { ClientDevicesService } from './client-devices.service';

/** Client API 1.0 (CONTRACT.md §5): websocket credentials and the account's devices. */
@Controller('client/v1.0')
@ClientApiController('1.0')
export class ClientV10Controller extends ClientApiRoutes {
  constructor(connections: ConnectionCredentialsService, devices: ClientDevicesService) {
    super(connections, devices);
  }
}
