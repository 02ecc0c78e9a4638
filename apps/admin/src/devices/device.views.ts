import type { DeviceAdminView, DeviceRecord, SimulatedDeviceRecord } from '@cloudflow/contracts';
import type { DeviceEntity } from './device.entity';

/** The shapes are the contract's (libs/contracts admin-api.views); the mapping is admin's. */
export type { DeviceAdminView, NewDeviceView } from '@cloudflow/contracts';

export function toDeviceAdminView(d: DeviceEntity): DeviceAdminView {
  return {
    referenceId: d.referenceId,
    serialNumber: d.serialNumber,
    model: d.model,
    name: d.name,
    location: d.location,
    enabled: d.enabled,
    clientAccountId: d.accountId,
    createdAt: d.createdAt.toISOString(),
    simulated: d.simulated,
    ...(d.simulation ? { simulation: d.simulation } : {}),
  };
}

/** What hubs get to host a simulated device. */
export function toSimulatedDeviceRecord(d: DeviceEntity): SimulatedDeviceRecord {
  return {
    id: d.id,
    tenantId: d.tenantId,
    accountId: d.accountId,
    referenceId: d.referenceId,
    simulation: d.simulation!,
  };
}

/** What gateways and hubs get over NATS. */
export function toDeviceRecord(d: DeviceEntity): DeviceRecord {
  return {
    tenantId: d.tenantId,
    clientAccountId: d.accountId,
    referenceId: d.referenceId,
    serialNumber: d.serialNumber,
    model: d.model,
    name: d.name,
    location: d.location,
    enabled: d.enabled,
  };
}
