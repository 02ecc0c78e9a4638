import { Injectable } from '@nestjs/common';
import type {
  AccountRecord,
  DeviceList,
  DeviceRecord,
  GetAccountRequest,
  GetDeviceRequest,
  GetDevicesRequest,
  ListDevicesRequest,
  ListSimulatedDevicesRequest,
  SimulatedDeviceList,
} from '@cloudflow/contracts';
import { isUUID } from 'class-validator';
import { toAccountRecord } from '../accounts/account.views';
import { ConnectionCeilings } from '../tenants/connection-ceilings';
import { AccountsRepository } from '../accounts/accounts.repository';
import { accountNotFound } from '../accounts/accounts.service';
import { toDeviceRecord, toSimulatedDeviceRecord } from '../devices/device.views';
import { DevicesRepository } from '../devices/devices.repository';
import { deviceNotFound } from '../devices/devices.service';

/**
 * Accounts and devices as gateways and hubs need them, for a caller auth has already verified.
 * Tenant ids here are admin's UUIDs; anything else cannot match a row, so it is "not found"
 * before Postgres would refuse the cast.
 */
@Injectable()
export class RelayLookupService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly devices: DevicesRepository,
    private readonly ceilings: ConnectionCeilings,
  ) {}

  /** The simulated devices the hubs host, every tenant's, a page at a time. */
  async simulatedDevices(req: ListSimulatedDevicesRequest): Promise<SimulatedDeviceList> {
    const rows = await this.devices.simulatedPage(req.afterId, req.limit);
    return { devices: rows.map(toSimulatedDeviceRecord) };
  }

  async deviceList(req: ListDevicesRequest): Promise<DeviceList> {
    if (!isUUID(req.tenantId)) return { devices: [] };
    const rows = await this.devices.list(req.tenantId, req.accountId, {
      model: req.model,
      serialNumber: req.serialNumber,
      location: req.location,
    });
    return { devices: rows.map(toDeviceRecord) };
  }

  async deviceGet(req: GetDeviceRequest): Promise<DeviceRecord> {
    const device = isUUID(req.tenantId)
      ? await this.devices.find(req.tenantId, req.accountId, req.referenceId)
      : null;
    if (!device) throw deviceNotFound(req.referenceId);
    return toDeviceRecord(device);
  }

  async deviceGetMany(req: GetDevicesRequest): Promise<DeviceList> {
    if (!isUUID(req.tenantId)) return { devices: [] };
    const rows = await this.devices.findMany(req.tenantId, req.accountId, [...new Set(req.referenceIds)]);
    return { devices: rows.map(toDeviceRecord) };
  }

  async accountGet(req: GetAccountRequest): Promise<AccountRecord> {
    const account = isUUID(req.tenantId) ? await this.accounts.find(req.tenantId, req.accountId) : null;
    if (!account) throw accountNotFound(req.accountId);
    // The hubs admit up to the operator's ceiling even for an account stored above it (set
    // before the ceiling existed, or before it was lowered).
    const record = toAccountRecord(account);
    const { ceiling } = await this.ceilings.of(req.tenantId);
    return { ...record, connectionLimit: Math.min(record.connectionLimit, ceiling) };
  }
}
