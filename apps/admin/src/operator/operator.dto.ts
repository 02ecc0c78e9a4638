import { API_GROUPS, type ApiGroup } from '@cloudflow/contracts';
import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';

export class KeysQueryDto {
  @IsOptional() @IsString() @Length(1, 320) email?: string;
}

export class KeyIdParams {
  @ApiProperty({ format: 'uuid', description: 'The APP key id (`keyId` of GET /operator/v1/keys).' })
  @IsUUID()
  keyId: string;
}

export class DeveloperIdParams {
  @ApiProperty({ format: 'uuid', description: 'The developer id (GET /operator/v1/developers).' })
  @IsUUID()
  developerId: string;
}

export class BlockedEndpointIdParams {
  @ApiProperty({
    format: 'uuid',
    description: 'The blocked endpoint id (GET /operator/v1/blocked-endpoints).',
  })
  @IsUUID()
  id: string;
}

/** Bounds as auth's UpdateAppKeyRequest; `expiresAt: null` removes the expiry. */
export class UpdateKeyDto {
  @IsOptional() @IsArray() @ArrayUnique() @IsIn(API_GROUPS, { each: true }) groups?: ApiGroup[];
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000_000) usageLimitPerDay?: number;
  @IsOptional() @IsInt() @Min(0) @Max(1_000_000) ratePerSecond?: number;
  @IsOptional() @IsISO8601({ strict: true }) expiresAt?: string | null;
}

export const BLOCKABLE_METHODS = ['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export class CreateBlockedEndpointDto {
  @IsIn(BLOCKABLE_METHODS) method: string;
  @IsString() @Length(1, 512) @Matches(/^\//, { message: 'pathPrefix must start with /' }) pathPrefix: string;
}
