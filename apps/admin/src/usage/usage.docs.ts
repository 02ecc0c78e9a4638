import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { API_GROUPS, ErrorCode } from '@cloudflow/contracts';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';

class UsageCountsDto {
  @ApiProperty({ type: Number, description: 'API requests admitted with the key.', example: 1250 })
  requests: number;
  @ApiProperty({
    type: Number,
    description: 'Client API payments sent over the websocket (API 1.0).',
    example: 300,
  })
  paymentsSync: number;
  @ApiProperty({
    type: Number,
    description: 'Client API payments sent with POST /client/v1.1/requests.',
    example: 420,
  })
  paymentsAsync: number;
}

/** Who a row or total belongs to: the key's owner and, once the developer has a company, its tenant. */
class UsageOwnerDto extends UsageCountsDto {
  @ApiProperty({ type: String, format: 'uuid', example: 'b1f7c7de-8a43-4a5c-9a55-0d7c4c1b2a10' })
  developerId: string;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Null until the developer creates a company.',
    example: '54f4ed20-8589-4de2-bd13-da35c0344e75',
  })
  tenantId: string | null;
}

class UsageRowDto extends UsageOwnerDto {
  @ApiProperty({
    type: String,
    description: 'The UTC day (`groupBy=day`) or month (`groupBy=month`).',
    example: '2026-11-30',
  })
  period: string;
  @ApiProperty({ type: String, format: 'uuid', example: '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60' })
  keyId: string;
  @ApiProperty({ type: String, nullable: true, example: 'Front-desk POS' }) keyName: string | null;
  @ApiProperty({ type: String, enum: ['sandbox', 'production'], example: 'production' }) keyKind: string;
  @ApiProperty({ type: String, enum: API_GROUPS, example: 'client' }) group: string;
  @ApiProperty({ type: String, nullable: true, example: 'dana@example.com' }) email: string | null;
}

class UsageKeyTotalDto extends UsageOwnerDto {
  @ApiProperty({ type: String, format: 'uuid', example: '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60' })
  keyId: string;
  @ApiProperty({ type: String, nullable: true, example: 'Front-desk POS' }) keyName: string | null;
}

class UsageTenantTotalDto extends UsageOwnerDto {
  @ApiProperty({ type: String, nullable: true, example: 'dana@example.com' }) email: string | null;
}

class UsageTotalsDto extends UsageCountsDto {
  @ApiProperty({ type: [UsageTenantTotalDto], description: 'Per tenant (developer) over the whole range.' })
  byTenant: UsageTenantTotalDto[];
  @ApiProperty({ type: [UsageKeyTotalDto], description: 'Per key over the whole range.' })
  byKey: UsageKeyTotalDto[];
}

export class UsageReportDto {
  @ApiProperty({ example: '2026-11-01' }) from: string;
  @ApiProperty({ example: '2026-11-30' }) to: string;
  @ApiProperty({ enum: ['day', 'month'], example: 'day' }) groupBy: string;
  @ApiProperty({ type: [UsageRowDto], description: 'One row per key × period × API group that saw use.' })
  rows: UsageRowDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals: UsageTotalsDto;
}

const KEY = '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60';
const DEVELOPER = 'b1f7c7de-8a43-4a5c-9a55-0d7c4c1b2a10';
const TENANT = '54f4ed20-8589-4de2-bd13-da35c0344e75';
const COUNTS = { requests: 1250, paymentsSync: 300, paymentsAsync: 420 };
const EXAMPLE = {
  from: '2026-11-29',
  to: '2026-11-30',
  groupBy: 'day',
  rows: [
    {
      period: '2026-11-30',
      keyId: KEY,
      keyName: 'Front-desk POS',
      keyKind: 'production',
      group: 'client',
      ...COUNTS,
      developerId: DEVELOPER,
      tenantId: TENANT,
      email: 'dana@example.com',
    },
  ],
  totals: {
    ...COUNTS,
    byTenant: [{ developerId: DEVELOPER, tenantId: TENANT, email: 'dana@example.com', ...COUNTS }],
    byKey: [{ keyId: KEY, keyName: 'Front-desk POS', developerId: DEVELOPER, tenantId: TENANT, ...COUNTS }],
  },
};
const CSV_EXAMPLE =
  'period,tenantId,developerId,email,keyId,keyName,keyKind,group,requests,paymentsSync,paymentsAsync\r\n' +
  `2026-11-30,${TENANT},${DEVELOPER},dana@example.com,${KEY},Front-desk POS,production,client,1250,300,420\r\n`;

const ABOUT =
  'Requests per API group (`client`, `device`, `admin`) and Client API payments (sync: websocket; async: ' +
  "`POST /client/v1.1/requests` answered 202) per APP key, from the usage ledger: exact per UTC day (a day's " +
  'late reports are added to that day), today filling in within about a second. `Accept: text/csv` returns the ' +
  'same rows as CSV (RFC 4180, CRLF). `from`/`to` are UTC days, inclusive, default the last 30 days, at most 800 ' +
  'days apart; the ledger keeps at least 400 days.';

/** 200 as JSON (the report) or CSV (its rows). */
const UsageOk = () =>
  applyDecorators(
    ApiExtraModels(UsageReportDto),
    ApiProduces('application/json', 'text/csv'),
    ApiOkResponse({
      description: 'The rows and their totals (JSON), or the rows as CSV',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(UsageReportDto) }, example: EXAMPLE },
        'text/csv': { schema: { type: 'string' }, example: CSV_EXAMPLE },
      },
    }),
  );

const BAD_RANGE = errorExample('badRange', ErrorCode.invalidData, 'Invalid data: from: must not be after to');

export const AdminUsageDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The tenant's APP-key usage per day or month",
      description: `${ABOUT} Only the caller's own business's keys.`,
    }),
    UsageOk(),
    AdminErrors(BAD_RANGE),
  );

export const OperatorUsageDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Usage of every APP key for invoicing, per day or month',
      description: `${ABOUT} Filter by \`developerId\` (a tenant's owner) or \`keyId\`; totals per tenant and per key.`,
    }),
    UsageOk(),
    ApiResponse({
      status: 422,
      description: '`invalidData`: a bad day, an inverted or too long range, an unknown `groupBy`',
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/ErrorBodyDto' }, example: BAD_RANGE[1] },
      },
    }),
  );

class UsageDayDto extends UsageCountsDto {
  @ApiProperty({ format: 'date', example: '2026-11-03' }) day: string;
}

class UsageSeriesDto {
  @ApiProperty({ format: 'date' }) from: string;
  @ApiProperty({ format: 'date' }) to: string;
  @ApiProperty({ type: UsageDayDto, isArray: true, description: 'Every day of the range, zeros included.' })
  days: UsageDayDto[];
}

export const PortalUsageDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Your APP keys’ usage, day by day, for the last 30 days',
      description: 'Every key and group summed; the portal draws its chart from it.',
    }),
    ApiOkResponse({ type: UsageSeriesDto }),
    ApiResponse({
      status: 401,
      description: '`unauthorized`: no or an ended portal session',
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ErrorBodyDto' },
          example: {
            errorCode: ErrorCode.unauthorized,
            errorMessage: 'Missing or invalid Authorization bearer token',
          },
        },
      },
    }),
  );
