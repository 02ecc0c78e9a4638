import { Injectable } from '@nestjs/common';
import { CloudFlowError, DEFAULT_SIMULATION, ErrorCode, SUBJECTS, simulationOf } from '@cloudflow/contracts';
import { DatabaseService, RpcClient } from '@cloudflow/platform';
import { randomUUID } from 'node:crypto';
import { accountNotFound } from '../accounts/accounts.service';
import { AccountsRepository } from '../accounts/accounts.repository';
import { DevelopersRepository } from '../developers/developers.repository';
import { RelayEventsPublisher } from '../common/relay-events.publisher';
import { foreignKeyViolation, uniqueViolation } from '../common/unique-violation';
import { toDeviceAdminView, type DeviceAdminView, type NewDeviceView } from './device.views';
import { DevicesRepository, type DeviceChanges } from './devices.repository';
import type { CreateDeviceDto, UpdateDeviceDto } from './devices.dto';

export function deviceNotFound(referenceId: string): CloudFlowError {
  return new CloudFlowError(ErrorCode.notFound, `Device '${referenceId}' does not exist`);
}

/** The admin API's devices of an account (CONTRACT.md §9), always inside the caller's tenant. */
@Injectable()
export class DevicesService {
  constructor(
    private readonly devices: DevicesRepository,
    private readonly accounts: AccountsRepository,
    private readonly db: DatabaseService,
    private readonly rpc: RpcClient,
    private readonly events: RelayEventsPublisher,
    private readonly developers: DevelopersRepository,
  ) {}

  /** `developerId`: the tenant's owner, whose kind (sandbox or production) allows simulated devices or not. */
  async create(
    tenantId: string,
    accountId: string,
    dto: CreateDeviceDto,
    developerId: string,
  ): Promise<NewDeviceView> {
    const { referenceId, model, serialNumber } = dto;
    const simulated = dto.simulated === true;
    if (dto.simulation && !simulated)
      throw new CloudFlowError(
        ErrorCode.invalidData,
        'simulation is for simulated devices only (simulated: true)',
      );
    if (simulated && (await this.developers.findById(developerId))?.kind !== 'sandbox')
      throw new CloudFlowError(ErrorCode.forbidden, 'Simulated devices exist in sandbox tenants only');
    if (!(await this.accounts.find(tenantId, accountId))) throw accountNotFound(accountId);
    // Both checked before auth is asked, so a refused create leaves no credential behind.
    if (await this.devices.find(tenantId, accountId, referenceId)) throw referenceTaken(referenceId);
    if (await this.devices.isSerialTaken(model, serialNumber)) throw serialTaken(model, serialNumber);
    try {
      const created = await this.db.transaction(async (tx) => {
        const row = await this.devices.insert(
          tenantId,
          accountId,
          {
            id: randomUUID(),
            referenceId,
            model,
            serialNumber,
            name: dto.name ?? null,
            location: dto.location ?? null,
            simulated,
            simulation: simulated ? simulationOf({ ...DEFAULT_SIMULATION, ...dto.simulation }) : null,
          },
          tx,
        );
        const { apiToken } = await this.rpc.send(SUBJECTS.auth.deviceCredentialSet, {
          tenantId,
          accountId,
          referenceId,
          model,
          serialNumber,
        });
        return { ...toDeviceAdminView(row), apiToken };
      });
      await this.events.changed(tenantId, accountId, referenceId);
      return created;
    } catch (error) {
      // Races with another create or an account delete end here, as the checks above would have.
      const unique = uniqueViolation(error);
      if (unique === 'devices_account_id_reference_id_key') throw referenceTaken(referenceId);
      if (unique === 'devices_model_serial_number_key') throw serialTaken(model, serialNumber);
      if (foreignKeyViolation(error)) throw accountNotFound(accountId);
      // auth keeps model + serial number unique too (e.g. a credential a failed create left).
      if (error instanceof CloudFlowError && error.code === ErrorCode.duplicateItem)
        throw serialTaken(model, serialNumber);
      throw error;
    }
  }

  async list(tenantId: string, accountId: string): Promise<DeviceAdminView[]> {
    // An unknown account (or another tenant's) is 404, not an empty list.
    if (!(await this.accounts.find(tenantId, accountId))) throw accountNotFound(accountId);
    return (await this.devices.list(tenantId, accountId)).map(toDeviceAdminView);
  }

  async get(tenantId: string, accountId: string, referenceId: string): Promise<DeviceAdminView> {
    const device = await this.devices.find(tenantId, accountId, referenceId);
    if (!device) throw deviceNotFound(referenceId);
    return toDeviceAdminView(device);
  }

  async update(
    tenantId: string,
    accountId: string,
    referenceId: string,
    dto: UpdateDeviceDto,
  ): Promise<DeviceAdminView> {
    const changes: DeviceChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.location !== undefined) changes.location = dto.location;
    if (dto.enabled !== undefined) changes.enabled = dto.enabled;
    if (dto.simulation) {
      const current = await this.devices.find(tenantId, accountId, referenceId);
      if (!current) throw deviceNotFound(referenceId);
      if (!current.simulation)
        throw new CloudFlowError(ErrorCode.invalidData, 'simulation is for simulated devices only');
      changes.simulation = simulationOf({ ...current.simulation, ...dto.simulation });
    }
    const device = await this.devices.update(tenantId, accountId, referenceId, changes);
    if (!device) throw deviceNotFound(referenceId);
    await this.events.changed(tenantId, accountId, referenceId);
    // Sent on every disable, even a repeated one: it costs nothing and heals a lost broadcast.
    if (dto.enabled === false) await this.events.deviceDisabled(tenantId, accountId, referenceId);
    return toDeviceAdminView(device);
  }

  /** Deletes the device and its credential (auth then revokes its socket). */
  async delete(
    tenantId: string,
    accountId: string,
    referenceId: string,
  ): Promise<{ clientAccountId: string; referenceId: string; deleted: true }> {
    await this.db.transaction(async (tx) => {
      if (!(await this.devices.delete(tenantId, accountId, referenceId, tx)))
        throw deviceNotFound(referenceId);
      // Inside the transaction: if auth cannot drop the credential, the device stays as it was.
      await this.rpc.send(SUBJECTS.auth.credentialDelete, { tenantId, accountId, referenceId });
    });
    await this.events.changed(tenantId, accountId, referenceId);
    return { clientAccountId: accountId, referenceId, deleted: true };
  }

  /** A new API token for the device; auth broadcasts the revocation of the old one. */
  async rotateToken(
    tenantId: string,
    accountId: string,
    referenceId: string,
  ): Promise<{ clientAccountId: string; referenceId: string; apiToken: string }> {
    return this.db.transaction(async (tx) => {
      // Held while auth rotates, so a concurrent delete cannot leave a token behind.
      const device = await this.devices.hold(tenantId, accountId, referenceId, tx);
      if (!device) throw deviceNotFound(referenceId);
      const { model, serialNumber } = device;
      const { apiToken } = await this.rpc.send(SUBJECTS.auth.deviceCredentialSet, {
        tenantId,
        accountId,
        referenceId,
        model,
        serialNumber,
      });
      return { clientAccountId: accountId, referenceId, apiToken };
    });
  }
}

function referenceTaken(referenceId: string): CloudFlowError {
  return new CloudFlowError(
    ErrorCode.duplicateItem,
    `Device '${referenceId}' already exists in this account`,
  );
}

function serialTaken(model: string, serialNumber: string): CloudFlowError {
  return new CloudFlowError(
    ErrorCode.duplicateItem,
    `A device with model '${model}' and serial number '${serialNumber}' already exists`,
  );
}
