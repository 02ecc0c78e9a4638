import { Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  SUBJECTS,
  type ConnectionCredentials,
  type VerifiedDevice,
} from '@cloudflow/contracts';
import { RpcClient } from '@cloudflow/platform';
import { ConnectionCredentialsService } from '../connection/connection-credentials.service';

/**
 * `GET /devices/enrol` (CONTRACT.md §6): a verified device gets websocket credentials unless
 * its tenant disabled it. The device record is read fresh (not cached) so a disable bites now.
 */
@Injectable()
export class DeviceEnrolService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly connections: ConnectionCredentialsService,
  ) {}

  async enrol(device: VerifiedDevice): Promise<ConnectionCredentials> {
    const { tenantId, accountId, referenceId } = device;
    const record = await this.rpc.send(SUBJECTS.admin.deviceGet, { tenantId, accountId, referenceId });
    if (!record.enabled) throw new CloudFlowError(ErrorCode.forbidden, 'Device is disabled');
    return this.connections.issue({ kind: 'device', tenantId, accountId, referenceId });
  }
}
