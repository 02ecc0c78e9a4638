import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXTERNAL_ID, type DeviceView } from '@cloudflow/contracts';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import type { DeviceFilters } from './client-devices.service';

/** `GET /devices` filters: exact, case-sensitive matches; unknown parameters are 422. */
export class ListDevicesQuery implements DeviceFilters {
  @ApiPropertyOptional({ description: 'Exact model name.', example: 'A920' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  model?: string;

  @ApiPropertyOptional({ description: 'Exact serial number.', example: '1170021712' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  serialNumber?: string;

  @ApiPropertyOptional({ description: 'Exact location.', example: 'Front counter' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  location?: string;
}

export class DeviceParams {
  @ApiProperty({
    description: "The device's referenceId, as registered (case-sensitive).",
    example: 'till-7',
  })
  @IsString()
  @Length(1, 100)
  @Matches(EXTERNAL_ID, { message: 'referenceId may contain only letters, digits and . _ : @ -' })
  referenceId: string;
}

/** The device object of CONTRACT.md §5. */
export class DeviceViewDto implements DeviceView {
  @ApiProperty({ description: 'The CloudFlow account the device belongs to.', example: 'pos-main-street' })
  clientAccountId: string;

  @ApiProperty({
    description: 'Tenant-chosen id; the `target` of requests to this device.',
    example: 'till-7',
  })
  referenceId: string;

  @ApiProperty({ example: '1170021712' })
  serialNumber: string;

  @ApiProperty({ example: 'A920' })
  model: string;

  @ApiProperty({ type: String, nullable: true, example: 'Till 7' })
  name: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Front counter' })
  location: string | null;
}

export class DeviceConnectedDto {
  @ApiProperty({ enum: [true], example: true })
  connected: true;

  @ApiProperty({
    format: 'date-time',
    description: 'When the current socket was opened (UTC).',
    example: '2025-11-23T09:41:07.120Z',
  })
  connectedSince: string;
}

export class DeviceDisconnectedDto {
  @ApiProperty({ enum: [false], example: false })
  connected: false;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When its last socket closed (UTC); null if the device never connected.',
    example: '2025-11-23T08:02:55.004Z',
  })
  lastSeen: string | null;
}
