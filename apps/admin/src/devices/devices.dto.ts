import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  EXTERNAL_ID,
  SIMULATION_BEHAVIOURS,
  SIMULATION_LIMITS,
  type SimulationBehaviour,
} from '@cloudflow/contracts';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AccountParams } from '../accounts/accounts.dto';
import { IsPlainText } from '../common/plain-text';

const ID_CHARACTERS = '$property may contain only letters, digits and . _ : @ -';

/** A simulated device's settings (issue 13); what is not sent keeps its value (or the default). */
export class SimulationDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: SIMULATION_LIMITS.delayMs.max,
    default: 300,
    description: 'Milliseconds between the steps of a transaction.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(SIMULATION_LIMITS.delayMs.max)
  delayMs?: number;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: SIMULATION_LIMITS.events.max,
    default: 2,
    description: 'flowEvents sent before the final answer.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(SIMULATION_LIMITS.events.max)
  events?: number;
  @ApiPropertyOptional({
    enum: SIMULATION_BEHAVIOURS,
    default: 'approve',
    description:
      '`approve`: the amount rule (base amount ending 51 declined for insufficient funds, 05 do not honour, 99 half approved, else approved); `decline`: every payment FAILED; `silent`: never answers; `drop`: disconnects after the first event; `late`: disconnects after the first event, reconnects and then answers.',
  })
  @IsOptional()
  @IsIn(SIMULATION_BEHAVIOURS)
  behaviour?: SimulationBehaviour;
}

export class CreateDeviceDto {
  @ApiProperty({
    maxLength: 100,
    description: 'Your id for the device (letters, digits and . _ : @ -); the `target` of requests.',
    example: 'till-7',
  })
  @IsString()
  @Length(1, 100)
  @Matches(EXTERNAL_ID, { message: ID_CHARACTERS })
  referenceId: string;
  @ApiProperty({ maxLength: 100, example: '1170021712' })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  serialNumber: string;
  @ApiProperty({ maxLength: 100, example: 'A920' })
  @IsString()
  @Length(1, 100)
  @IsPlainText()
  model: string;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Till 7' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Front counter' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  location?: string | null;
  @ApiPropertyOptional({
    default: false,
    description:
      'Sandbox tenants only (403 in production): the platform itself answers for this terminal. It is connected while it exists and enabled, and pays by `simulation`.',
  })
  @IsOptional()
  @IsBoolean()
  simulated?: boolean;
  @ApiPropertyOptional({ type: () => SimulationDto, description: 'Settings of a simulated device.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SimulationDto)
  simulation?: SimulationDto;
}

/** Only what is sent changes; `null` clears name or location. */
export class UpdateDeviceDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Till 7' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  name?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Front counter' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @IsPlainText()
  location?: string | null;
  @ApiPropertyOptional({
    description: 'false disables the device: it cannot enrol and its socket is closed.',
  })
  @ValidateIf((o: UpdateDeviceDto) => o.enabled !== undefined)
  @IsBoolean()
  enabled?: boolean;
  @ApiPropertyOptional({
    type: () => SimulationDto,
    description: "A simulated device's settings; the fields sent change, the next transaction uses them.",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => SimulationDto)
  simulation?: SimulationDto;
}

export class DeviceParams extends AccountParams {
  @ApiProperty({ description: "The device's referenceId (case-sensitive).", example: 'till-7' })
  @IsString()
  @Length(1, 100)
  @Matches(EXTERNAL_ID, { message: ID_CHARACTERS })
  referenceId: string;
}
