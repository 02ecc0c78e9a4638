import { API_GROUPS, type ApiGroup } from '@cloudflow/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  ValidateIf,
} from 'class-validator';

export class KeysQueryDto {
  @ApiPropertyOptional({
    description: "Only this developer's keys (the portal email).",
    example: 'ada@example.com',
  })
  @IsOptional()
  @IsString()
  @Length(1, 320)
  email?: string;
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
  @ApiPropertyOptional({ enum: API_GROUPS, isArray: true, description: 'The API groups the key may call.' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(API_GROUPS, { each: true })
  groups?: ApiGroup[];
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 1_000_000_000, example: 10_000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  usageLimitPerDay?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 1_000_000, example: 20 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  ratePerSecond?: number;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'null removes the expiry.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

export const BLOCKABLE_METHODS = ['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export class CreateBlockedEndpointDto {
  @ApiProperty({ enum: BLOCKABLE_METHODS, description: '`*`: every method; GET also blocks HEAD.' })
  @IsIn(BLOCKABLE_METHODS)
  method: string;
  @ApiProperty({
    maxLength: 512,
    description: 'Starts with /; case sensitive.',
    example: '/client/v1.1/requests',
  })
  @IsString()
  @Length(1, 512)
  @Matches(/^\//, { message: 'pathPrefix must start with /' })
  pathPrefix: string;
}

export class TenantIdParams {
  @ApiProperty({
    format: 'uuid',
    description: 'The tenant id (GET /operator/v1/developers lists each tenant).',
  })
  @IsUUID()
  tenantId: string;
}

/** Issue 12 item 7: the operator's ceiling on any one account's connection limit in this tenant. */
export class ConnectionCeilingDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 100_000,
    nullable: true,
    description:
      "The most connections any account of the tenant may be given (lower or higher than the deployment's CONNECTION_LIMIT_CEILING); null returns the tenant to the deployment's ceiling.",
  })
  @ValidateIf((o: ConnectionCeilingDto) => o.connectionCeiling !== null)
  @IsInt()
  @Min(1)
  @Max(100_000)
  connectionCeiling: number | null;
}
