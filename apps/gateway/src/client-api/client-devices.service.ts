import { Inject, Injectable } from '@nestjs/common';
import {
  CloudFlowError,
  ErrorCode,
  SUBJECTS,
  type DeviceRecord,
  type DeviceView,
  type VerifiedAccount,
} from '@cloudflow/contracts';
import { LOGGER, RpcClient } from '@cloudflow/platform';
import { PresenceStore } from '@cloudflow/presence';
import type { Logger } from 'pino';
import { deviceNotFound } from '../relay/relay-errors';

export interface DeviceFilters {
  model?: string;
  serialNumber?: string;
  location?: string;
}

export type DeviceConnection =
  { connected: true; connectedSince: string } | { connected: false; lastSeen: string | null };

/**
 * The Client API's device reads, shared by every version. Admin owns the devices and scopes
 * every lookup to the caller's tenant and account; the answer is checked again here, so a
 * device of another account can never leak through, and is reduced to the public view.
 */
@Injectable()
export class ClientDevicesService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly presence: PresenceStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(account: VerifiedAccount, filters: DeviceFilters): Promise<DeviceView[]> {
    const { tenantId, accountId } = account;
    const { devices } = await this.rpc.send(SUBJECTS.admin.deviceList, {
      tenantId,
      accountId,
      ...defined(filters),
    });
    return devices.filter((d) => owns(account, d)).map(toView);
  }

  async get(account: VerifiedAccount, referenceId: string): Promise<DeviceView> {
    return toView(await this.record(account, referenceId));
  }

  /** 1.1: live state from the hubs' presence registry; unknown devices are 404 first. */
  async connection(account: VerifiedAccount, referenceId: string): Promise<DeviceConnection> {
    await this.record(account, referenceId);
    let state;
    try {
      state = await this.presence.deviceState(account.tenantId, account.accountId, referenceId);
    } catch (error) {
      this.logger.warn({ err: error }, 'presence store unavailable');
      throw new CloudFlowError(
        ErrorCode.failed,
        'Live connection state is unavailable right now; please retry',
      );
    }
    if (state.connected && state.connectedSince)
      return { connected: true, connectedSince: state.connectedSince };
    return { connected: false, lastSeen: state.lastSeen };
  }

  private async record(account: VerifiedAccount, referenceId: string): Promise<DeviceRecord> {
    const { tenantId, accountId } = account;
    const device = await this.rpc.send(SUBJECTS.admin.deviceGet, { tenantId, accountId, referenceId });
    if (!owns(account, device) || device.referenceId !== referenceId) throw deviceNotFound(referenceId);
    return device;
  }
}

function owns(account: VerifiedAccount, device: DeviceRecord): boolean {
  return device.tenantId === account.tenantId && device.clientAccountId === account.accountId;
}

function toView(d: DeviceRecord): DeviceView {
  return {
    clientAccountId: d.clientAccountId,
    referenceId: d.referenceId,
    serialNumber: d.serialNumber,
    model: d.model,
    name: d.name,
    location: d.location,
  };
}

function defined(filters: DeviceFilters): DeviceFilters {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
}
