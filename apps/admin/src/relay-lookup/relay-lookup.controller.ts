import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  GetAccountRequest,
  GetDeviceRequest,
  GetDevicesRequest,
  ListDevicesRequest,
  ListSimulatedDevicesRequest,
  SUBJECTS,
  type SimulatedDeviceList,
  type AccountRecord,
  type DeviceList,
  type DeviceRecord,
} from '@cloudflow/contracts';
import { RelayLookupService } from './relay-lookup.service';

/** NATS responders (queue group `admin`) the gateways and hubs ask about accounts and devices. */
@Controller()
export class RelayLookupController {
  constructor(private readonly lookup: RelayLookupService) {}

  @MessagePattern(SUBJECTS.admin.deviceList)
  deviceList(@Payload() request: ListDevicesRequest): Promise<DeviceList> {
    return this.lookup.deviceList(request);
  }

  @MessagePattern(SUBJECTS.admin.deviceGet)
  deviceGet(@Payload() request: GetDeviceRequest): Promise<DeviceRecord> {
    return this.lookup.deviceGet(request);
  }

  @MessagePattern(SUBJECTS.admin.deviceGetMany)
  deviceGetMany(@Payload() request: GetDevicesRequest): Promise<DeviceList> {
    return this.lookup.deviceGetMany(request);
  }

  @MessagePattern(SUBJECTS.admin.simulatedDeviceList)
  simulatedDevices(@Payload() request: ListSimulatedDevicesRequest): Promise<SimulatedDeviceList> {
    return this.lookup.simulatedDevices(request);
  }

  @MessagePattern(SUBJECTS.admin.accountGet)
  accountGet(@Payload() request: GetAccountRequest): Promise<AccountRecord> {
    return this.lookup.accountGet(request);
  }
}
