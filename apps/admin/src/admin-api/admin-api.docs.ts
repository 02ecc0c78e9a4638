import { applyDecorators } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorCode } from '@cloudflow/contracts';
import { ApiErrors, errorExample, type ErrorExample } from '@cloudflow/platform';

/** Security scheme names of the admin document: every route needs both (CONTRACT.md §9). */
export const ADMIN_SECURITY = { appKey: 'api-key', bearer: 'adminBearer' } as const;

/** What the two auth layers answer on every /admin/v1 route, besides the APP-key cases. */
export const ADMIN_AUTH_ERRORS: ErrorExample[] = [
  errorExample('bearer', ErrorCode.unauthorized, 'Missing or invalid Authorization bearer token'),
  errorExample(
    'otherBusiness',
    ErrorCode.forbidden,
    'The access token belongs to another business than the APP key',
  ),
];

/** Admin errors: the route's own cases plus both auth layers. */
export const AdminErrors = (...examples: ErrorExample[]) => ApiErrors([...ADMIN_AUTH_ERRORS, ...examples]);

/** Tag and both auth layers for an admin API controller. */
export const AdminApiController = (tag: string) =>
  applyDecorators(ApiTags(tag), ApiSecurity({ [ADMIN_SECURITY.appKey]: [], [ADMIN_SECURITY.bearer]: [] }));

export class TenantDto {
  @ApiProperty({
    format: 'uuid',
    description: 'System-assigned unique tenant ID.',
    example: '54f4ed20-8589-4de2-bd13-da35c0344e75',
  })
  tenantId: string;

  @ApiProperty({ description: 'System-assigned business code.', example: 'CFQXZK6TJ7' })
  businessCode: string;

  @ApiProperty({ example: 'Lovelace Coffee' })
  name: string;
}

export class NewAppKeyDto {
  @ApiProperty({ format: 'uuid' }) keyId: string;
  @ApiProperty({ description: 'The first characters of the key, shown in listings.', example: 'cf_live_Q3x' })
  prefix: string;
  @ApiProperty({ example: 'Front-desk POS' }) name: string;
  @ApiProperty({ description: 'The clear key: shown only in this response.', example: 'cf_live_Q3x…' })
  appKey: string;
}

export const TenantDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The caller's business profile",
      description: 'The tenant of the admin user the access token belongs to.',
    }),
    ApiOkResponse({ type: TenantDto }),
    AdminErrors(),
  );

export const CreateAppKeyDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Create a named APP key (production tenants)',
      description:
        'Production tenants hold one key per interface. Sandbox developers get 403: contact Sales to upgrade.',
    }),
    ApiCreatedResponse({ type: NewAppKeyDto, description: 'The new key, in clear only here' }),
    AdminErrors(
      errorExample(
        'sandbox',
        ErrorCode.forbidden,
        'Only production accounts can create more APP keys; contact Sales to upgrade',
      ),
      errorExample(
        'badName',
        ErrorCode.invalidData,
        'Invalid data: name: name must be longer than or equal to 1 characters',
      ),
    ),
  );
