import { applyDecorators } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import {
  API_GROUPS,
  ErrorCode,
  KEY_KINDS,
  type ApiGroup,
  type BlockedEndpoint,
  type KeyKind,
  type KeyStatus,
} from '@cloudflow/contracts';
import { ApiErrors, errorExample, type ErrorExample } from '@cloudflow/platform';
import type { CompanyView } from '../portal/portal.views';
import type { ConnectionCeilingView } from './operator-tenants.service';
import type { OperatorDeveloperView, OperatorKeyView } from './operator.views';

class CompanyDto implements CompanyView {
  @ApiProperty({ format: 'uuid' }) tenantId: string;
  @ApiProperty({ example: 'CFQXZK6TJ7' }) businessCode: string;
  @ApiProperty({ example: 'Lovelace Coffee' }) name: string;
}

export class OperatorDeveloperDto implements OperatorDeveloperView {
  @ApiProperty({ format: 'uuid' }) developerId: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name: string;
  @ApiProperty({ example: 'ada@example.com' }) email: string;
  @ApiProperty({ enum: KEY_KINDS, description: '`sandbox` until the operator upgrades the developer.' })
  kind: KeyKind;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({
    type: CompanyDto,
    nullable: true,
    description: 'Null until the developer creates a company.',
  })
  tenant: CompanyDto | null;
}

export class OperatorKeyDto implements OperatorKeyView {
  @ApiProperty({ format: 'uuid' }) keyId: string;
  @ApiProperty({ description: 'The first characters of the key.', example: 'cf_sbx_Q3xK' }) prefix: string;
  @ApiProperty({ format: 'uuid' }) developerId: string;
  @ApiProperty({ type: String, nullable: true, example: 'ada@example.com' }) email: string | null;
  @ApiProperty({ enum: KEY_KINDS }) kind: KeyKind;
  @ApiProperty({ enum: ['active', 'revoked', 'expired'] }) status: KeyStatus;
  @ApiProperty({ enum: API_GROUPS, isArray: true, description: 'The API groups the key may call.' })
  groups: ApiGroup[];
  @ApiProperty({ example: 10_000 }) usageLimitPerDay: number;
  @ApiProperty({ example: 20 }) ratePerSecond: number;
  @ApiProperty({ description: 'Calls counted today (UTC), across every replica.', example: 42 })
  usedToday: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt: string | null;
}

export class RenewedKeyDto {
  @ApiProperty({ format: 'uuid', description: 'The new key’s id.' }) keyId: string;
  @ApiProperty({ description: 'The new key in clear: shown only in this answer.', example: 'cf_sbx_…' })
  appKey: string;
}

export class BlockedEndpointDto implements BlockedEndpoint {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: ['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    description: '`*`: every method; GET also blocks HEAD.',
  })
  method: string;
  @ApiProperty({
    description: 'Matched against the route a request takes, case sensitive.',
    example: '/client/v1.1/requests',
  })
  pathPrefix: string;
}

export class BlockedEndpointDeletedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: [true] }) deleted: true;
}

export class ConnectionCeilingViewDto implements ConnectionCeilingView {
  @ApiProperty({ format: 'uuid' }) tenantId: string;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "The operator's own ceiling; null: none set.",
  })
  connectionCeiling: number | null;
  @ApiProperty({ description: "What applies: the tenant's ceiling, else the deployment's.", example: 1000 })
  effectiveCeiling: number;
  @ApiProperty({ enum: ['tenant', 'deployment'] }) source: 'tenant' | 'deployment';
}

/** Operator errors: no APP key layer (the operator token's 401 is added by the document). */
const OperatorErrors = (...examples: ErrorExample[]) => ApiErrors(examples, { appKey: false });

const noDeveloper = errorExample(
  'unknownDeveloper',
  ErrorCode.notFound,
  "Developer '7d7c1f3e-0b4a-4f0e-9a43-2f1d8c6b5a40' does not exist",
);
const noKey = errorExample(
  'unknownKey',
  ErrorCode.notFound,
  "APP key '1b8e4c9a-6f52-4d7e-8a31-0c2b9d4e5f67' does not exist",
);
const noTenant = errorExample(
  'unknownTenant',
  ErrorCode.notFound,
  "Tenant '54f4ed20-8589-4de2-bd13-da35c0344e75' does not exist",
);
const badId = (name: string) =>
  errorExample(`bad${name}`, ErrorCode.invalidData, `Invalid data: ${name}: ${name} must be a UUID`);

export const ListDevelopersDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Developers with their tenant (if any) and kind' }),
    ApiOkResponse({ type: OperatorDeveloperDto, isArray: true }),
    OperatorErrors(),
  );

export const MakeProductionDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Upgrade a developer to production (more named APP keys)' }),
    ApiOkResponse({ type: OperatorDeveloperDto }),
    OperatorErrors(noDeveloper, badId('developerId')),
  );

export const ListKeysDocs = () =>
  applyDecorators(
    ApiOperation({ summary: "APP keys, optionally of one developer by email, with today's usage" }),
    ApiOkResponse({ type: OperatorKeyDto, isArray: true }),
    OperatorErrors(),
  );

/** Revoke, expire and update answer the key as it is now. */
export const KeyChangeDocs = (summary: string, ...examples: ErrorExample[]) =>
  applyDecorators(
    ApiOperation({ summary }),
    ApiOkResponse({ type: OperatorKeyDto }),
    OperatorErrors(noKey, badId('keyId'), ...examples),
  );

export const RenewKeyDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'A new key for the same owner (shown once); the old one is revoked' }),
    ApiOkResponse({ type: RenewedKeyDto }),
    OperatorErrors(noKey, badId('keyId')),
  );

export const ListBlockedDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Blocked endpoints' }),
    ApiOkResponse({ type: BlockedEndpointDto, isArray: true }),
    OperatorErrors(),
  );

export const CreateBlockedDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Block a method and path prefix: 403 Requested endpoint is forbidden within 5 s',
    }),
    ApiCreatedResponse({ type: BlockedEndpointDto }),
    OperatorErrors(
      errorExample(
        'alreadyBlocked',
        ErrorCode.duplicateItem,
        'POST /client/v1.1/requests is already blocked',
      ),
      errorExample(
        'badPrefix',
        ErrorCode.invalidData,
        'Invalid data: pathPrefix: pathPrefix must start with /',
      ),
    ),
  );

export const DeleteBlockedDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Unblock' }),
    ApiOkResponse({ type: BlockedEndpointDeletedDto }),
    OperatorErrors(
      errorExample(
        'unknownBlock',
        ErrorCode.notFound,
        "Blocked endpoint '0e6f3a2b-9c1d-4e8f-b7a6-5d4c3b2a1f09' does not exist",
      ),
      badId('id'),
    ),
  );

export const GetCeilingDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'The most connections any one account of the tenant may be given, and where it comes from',
    }),
    ApiOkResponse({ type: ConnectionCeilingViewDto }),
    OperatorErrors(noTenant, badId('tenantId')),
  );

export const SetCeilingDocs = () =>
  applyDecorators(
    ApiOperation({
      summary:
        "Set (or, with null, clear) the tenant's ceiling on an account's connection limit; above it, creating or changing an account is 422 and the hubs admit no more",
    }),
    ApiOkResponse({ type: ConnectionCeilingViewDto }),
    OperatorErrors(
      noTenant,
      errorExample(
        'badCeiling',
        ErrorCode.invalidData,
        'Invalid data: connectionCeiling: connectionCeiling must not be greater than 100000',
      ),
    ),
  );
