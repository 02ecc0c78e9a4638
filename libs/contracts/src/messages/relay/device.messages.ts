import { IsOptional, IsString, Length } from 'class-validator';
import { AccountRef, DeviceRef } from './credential.messages';

/** The device object of the Client API (CONTRACT.md §5). */
export interface DeviceView {
  clientAccountId: string;
  referenceId: string;
  serialNumber: string;
  model: string;
  name: string | null;
  location: string | null;
}

/** What the relay needs to know of a device besides the public view. */
export interface DeviceRecord extends DeviceView {
  tenantId: string;
  enabled: boolean;
}

export class ListDevicesRequest extends AccountRef {
  @IsOptional() @IsString() @Length(1, 100) model?: string;
  @IsOptional() @IsString() @Length(1, 100) serialNumber?: string;
  @IsOptional() @IsString() @Length(1, 200) location?: string;
}

export interface DeviceList {
  devices: DeviceRecord[];
}

export class GetDeviceRequest extends DeviceRef {}

export class GetAccountRequest extends AccountRef {}

export interface AccountRecord {
  tenantId: string;
  accountId: string;
  name: string;
  connectionLimit: number;
  webhookUrl: string | null;
  /** How long an async request may wait for the device's final answer; absent means the default, 150 s. */
  requestTimeoutSeconds?: number;
}
