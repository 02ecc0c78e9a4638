import { applyDecorators } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';
import type { DeviceAdminView, NewDeviceView } from './device.views';

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

export const CreateDeviceDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Register a device', description: 'Its apiToken is shown only in this answer.' }),
    ApiCreatedResponse({ type: NewDeviceDto }),
    AdminErrors(
      noAccount,
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
        'Only the fields sent change; `null` clears name or location; `enabled: false` disconnects it.',
    }),
    ApiOkResponse({ type: DeviceAdminDto }),
    AdminErrors(notFound),
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
