import type { DeviceRecord, SimulatedDeviceRecord, SimulationSettings } from '@cloudflow/contracts';
import type { DeviceEntity } from './device.entity';

/** A device as the admin API shows it (CONTRACT.md §9). */
export interface DeviceAdminView {
  referenceId: string;
  serialNumber: string;
  model: string;
  name: string | null;
  location: string | null;
  enabled: boolean;
  clientAccountId: string;
  createdAt: string;
  /** The platform answers for it (issue 13). */
  simulated: boolean;
  /** Simulated devices only. */
  simulation?: SimulationSettings;
}

/** The create answer: the only time the device's API token is shown. */
export interface NewDeviceView extends DeviceAdminView {
  apiToken: string;
}

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
