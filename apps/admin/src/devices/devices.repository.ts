import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@cloudflow/platform';
import type { SimulationSettings } from '@cloudflow/contracts';
import { In, MoreThan, type EntityManager } from 'typeorm';
import { DeviceEntity } from './device.entity';

export interface NewDevice {
  id: string;
  referenceId: string;
  serialNumber: string;
  model: string;
  name: string | null;
  location: string | null;
  simulated: boolean;
  simulation: SimulationSettings | null;
}

export interface DeviceFilters {
  model?: string;
  serialNumber?: string;
  location?: string;
}

export type DeviceChanges = Partial<Pick<DeviceEntity, 'name' | 'location' | 'enabled' | 'simulation'>>;

/**
 * Devices. Every method takes the tenant and account, so no query can reach across them; the
 * one exception, `isSerialTaken`, answers only yes/no because model + serial number identify a
 * terminal platform-wide (the Device API bearer carries nothing else).
 */
@Injectable()
export class DevicesRepository {
  constructor(private readonly db: DatabaseService) {}

  private repo(tx?: EntityManager) {
    return (tx ?? this.db.manager).getRepository(DeviceEntity);
  }

  async insert(
    tenantId: string,
    accountId: string,
    device: NewDevice,
    tx: EntityManager,
  ): Promise<DeviceEntity> {
    await this.repo(tx).insert({ ...device, tenantId, accountId });
    return this.repo(tx).findOneByOrFail({ id: device.id, tenantId });
  }

  find(tenantId: string, accountId: string, referenceId: string): Promise<DeviceEntity | null> {
    return this.repo().findOneBy({ tenantId, accountId, referenceId });
  }

  /** Those of `referenceIds` the account has (one query for a hub's burst of upgrades). */
  findMany(tenantId: string, accountId: string, referenceIds: string[]): Promise<DeviceEntity[]> {
    return this.repo().findBy({ tenantId, accountId, referenceId: In(referenceIds) });
  }

  /** Reads the device and holds it (FOR SHARE) until `tx` ends: a concurrent delete waits. */
  hold(
    tenantId: string,
    accountId: string,
    referenceId: string,
    tx: EntityManager,
  ): Promise<DeviceEntity | null> {
    return this.repo(tx).findOne({
      where: { tenantId, accountId, referenceId },
      lock: { mode: 'pessimistic_read' },
    });
  }

  /** Exact, case-sensitive matches on every filter given. */
  list(tenantId: string, accountId: string, filters: DeviceFilters = {}): Promise<DeviceEntity[]> {
    // Only the filters given: an absent one must not turn into "IS NULL".
    const given = Object.fromEntries(
      Object.entries(filters).filter(([, v]) => v !== undefined),
    ) as DeviceFilters;
    return this.repo().find({ where: { ...given, tenantId, accountId }, order: { referenceId: 'ASC' } });
  }

  /**
   * Every tenant's enabled simulated devices, a page in id order after `afterId`: the hubs host
   * them. Across tenants by design (the hubs serve all of them); nothing but ids and settings.
   */
  simulatedPage(afterId: string | undefined, limit: number): Promise<DeviceEntity[]> {
    return this.repo().find({
      where: { simulated: true, enabled: true, ...(afterId ? { id: MoreThan(afterId) } : {}) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  isSerialTaken(model: string, serialNumber: string): Promise<boolean> {
    return this.repo().existsBy({ model, serialNumber });
  }

  /** The updated device, or null when the account has no such device. */
  async update(
    tenantId: string,
    accountId: string,
    referenceId: string,
    changes: DeviceChanges,
  ): Promise<DeviceEntity | null> {
    if (Object.keys(changes).length) {
      const result = await this.repo().update({ tenantId, accountId, referenceId }, changes);
      if (!result.affected) return null;
    }
    return this.find(tenantId, accountId, referenceId);
  }

  async delete(
    tenantId: string,
    accountId: string,
    referenceId: string,
    tx: EntityManager,
  ): Promise<boolean> {
    const result = await this.repo(tx).delete({ tenantId, accountId, referenceId });
    return Boolean(result.affected);
  }
}
