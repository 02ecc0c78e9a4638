import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
} from '@nestjs/swagger';
import {
  ErrorCode,
  SIMULATION_BEHAVIOURS,
  type SimulationBehaviour,
  type SimulationSettings,
} from '@cloudflow/contracts';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';
import type { DeviceAdminView, NewDeviceView } from './device.views';
import { CreateDeviceDto, UpdateDeviceDto } from './devices.dto';

export class SimulationSettingsDto implements SimulationSettings {
  @ApiProperty({ example: 300 }) delayMs: number;
  @ApiProperty({ example: 2 }) events: number;
  @ApiProperty({ enum: SIMULATION_BEHAVIOURS, example: 'approve' }) behaviour: SimulationBehaviour;
}

export class DeviceAdminDto implements DeviceAdminView {
  @ApiProperty({
    description: 'Tenant-chosen id; the `target` of requests to this device.',
    example: 'till-7',
  })
  referenceId: string;
  @ApiProperty({ example: '1170021712' }) serialNumber: string;
  @ApiProperty({ example: 'A920' }) model: string;
  @ApiProperty({ type: String, nullable: true, example: 'Till 7' }) name: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Front counter' }) location: string | null;
  @ApiProperty({ description: 'A disabled device cannot enrol and its socket is closed.' }) enabled: boolean;
  @ApiProperty({ example: 'pos-main-street' }) clientAccountId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ description: 'The platform answers for this terminal (sandbox only).', example: false })
  simulated: boolean;
  @ApiPropertyOptional({ type: SimulationSettingsDto, description: 'Simulated devices only.' })
  simulation?: SimulationSettingsDto;
}

export class NewDeviceDto extends DeviceAdminDto implements NewDeviceView {
  @ApiProperty({ description: 'The device credential (Device API bearer); shown only here.' })
  apiToken: string;
}

export class DeviceDeletedDto {
  @ApiProperty({ example: 'pos-main-street' }) clientAccountId: string;
  @ApiProperty({ example: 'till-7' }) referenceId: string;
  @ApiProperty({ enum: [true] }) deleted: true;
}

export class DeviceTokenDto {
  @ApiProperty({ example: 'pos-main-street' }) clientAccountId: string;
  @ApiProperty({ example: 'till-7' }) referenceId: string;
  @ApiProperty({ description: 'The new token; the old one stops working within 5 s.' }) apiToken: string;
}

const noAccount = errorExample(
  'unknownAccount',
  ErrorCode.notFound,
  "Account 'pos-main-street' does not exist",
);
const notFound = errorExample('unknownDevice', ErrorCode.notFound, "Device 'till-7' does not exist");

const notSimulated = errorExample(
  'notSimulated',
  ErrorCode.invalidData,
  'simulation is for simulated devices only',
);

export const CreateDeviceDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Register a device',
      description:
        'Its apiToken is shown only in this answer. With `"simulated": true` (sandbox tenants) the platform hosts the terminal: it is connected within a few seconds and answers payments by its `simulation` settings, so a POS can pay with no terminal and no process of its own.',
    }),
    ApiBody({
      type: CreateDeviceDto,
      examples: {
        real: {
          summary: 'A real terminal',
          value: { referenceId: 'till-7', serialNumber: '1170021712', model: 'A920' },
        },
        simulated: {
          summary: 'A simulated terminal the sandbox answers for',
          value: {
            referenceId: 'sim-1',
            serialNumber: 'SIM-0001',
            model: 'SIMULATED',
            simulated: true,
            simulation: { delayMs: 300, events: 2, behaviour: 'approve' },
          },
        },
      },
    }),
    ApiCreatedResponse({ type: NewDeviceDto }),
    AdminErrors(
      noAccount,
      errorExample('sandboxOnly', ErrorCode.forbidden, 'Simulated devices exist in sandbox tenants only'),
      errorExample(
        'simulationWithoutSimulated',
        ErrorCode.invalidData,
        'simulation is for simulated devices only (simulated: true)',
      ),
      errorExample(
        'referenceTaken',
        ErrorCode.duplicateItem,
        "Device 'till-7' already exists in this account",
      ),
      errorExample(
        'serialTaken',
        ErrorCode.duplicateItem,
        "A device with model 'A920' and serial number '1170021712' already exists",
      ),
    ),
  );

export const ListDevicesDocs = () =>
  applyDecorators(
    ApiOperation({ summary: "The account's devices" }),
    ApiOkResponse({ type: DeviceAdminDto, isArray: true }),
    AdminErrors(noAccount),
  );

export const GetDeviceDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'One device' }),
    ApiOkResponse({ type: DeviceAdminDto }),
    AdminErrors(notFound),
  );

export const UpdateDeviceDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Update a device',
      description:
        "Only the fields sent change; `null` clears name or location; `enabled: false` disconnects it. `simulation` changes a simulated device's settings (the fields sent), used from its next transaction.",
    }),
    ApiBody({
      type: UpdateDeviceDto,
      examples: {
        rename: { summary: 'Rename', value: { name: 'Till 7' } },
        decline: {
          summary: 'A simulated terminal that declines everything',
          value: { simulation: { behaviour: 'decline' } },
        },
      },
    }),
    ApiOkResponse({ type: DeviceAdminDto }),
    AdminErrors(notFound, notSimulated),
  );

export const DeleteDeviceDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Delete a device' }),
    ApiOkResponse({ type: DeviceDeletedDto }),
    AdminErrors(notFound),
  );

export const RotateDeviceTokenDocs = () =>
  applyDecorators(
    ApiOperation({ summary: "Rotate the device's apiToken" }),
    ApiOkResponse({ type: DeviceTokenDto }),
    AdminErrors(notFound),
  );
