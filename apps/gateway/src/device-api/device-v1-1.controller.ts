import { Controller, Get } from '@nestjs/common';
import type { VerifiedDevice } from '@cloudflow/contracts';
import { CurrentDevice } from '../credentials/relay-auth.guards';
import { DeviceApiController, EnrolDocs } from './device-api.docs';
import { DeviceEnrolService } from './device-enrol.service';

/** Device API 1.1 (CONTRACT.md §6). */
@Controller('device/v1.1')
@DeviceApiController('1.1')
export class DeviceV11Controller {
  constructor(private readonly enrolment: DeviceEnrolService) {}

  @Get('devices/enrol')
  @EnrolDocs()
  enrol(@CurrentDevice() device: VerifiedDevice) {
    return this.enrolment.enrol(device);
  }
}
