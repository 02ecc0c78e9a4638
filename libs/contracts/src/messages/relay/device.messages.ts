import type { OptionalEventType } from './presence-events';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';
import { AccountRef, DeviceRef, EXTERNAL_ID } from './credential.messages';

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

/** The most devices one GetDevicesRequest may name. */
export const GET_DEVICES_MAX = 200;

/**
 * Several devices of one account in one round trip (a hub admitting a burst of device sockets):
 * the answer lists those that exist, in no particular order; a missing one is simply absent.
 */
export class GetDevicesRequest extends AccountRef {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(GET_DEVICES_MAX)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @Matches(EXTERNAL_ID, { each: true })
  referenceIds: string[];
}

export class GetAccountRequest extends AccountRef {}

export interface AccountRecord {
  tenantId: string;
  accountId: string;
  name: string;
  connectionLimit: number;
  webhookUrl: string | null;
  /** Optional event kinds its webhooks and feed carry (issue 14); absent from an older admin: none. */
  webhookEvents?: OptionalEventType[];
  /** How long an async request may wait for the device's final answer; absent means the default, 150 s. */
  requestTimeoutSeconds?: number;
}
