import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { API_GROUPS, ErrorCode } from '@cloudflow/contracts';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';

class UsageCountsDto {
  @ApiProperty({ description: 'API requests admitted with the key.', example: 1250 }) requests: number;
  @ApiProperty({ description: 'Client API payments sent over the websocket (API 1.0).', example: 300 })
  paymentsSync: number;
  @ApiProperty({ description: 'Client API payments sent with POST /client/v1.1/requests.', example: 420 })
  paymentsAsync: number;
}

class UsageRowDto extends UsageCountsDto {
  @ApiProperty({
    description: 'The UTC day (`groupBy=day`) or month (`groupBy=month`).',
    example: '2026-11-30',
  })
  period: string;
  @ApiProperty({ format: 'uuid', example: '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60' }) keyId: string;
  @ApiPropertyOptional({ nullable: true, example: 'Front-desk POS' }) keyName: string | null;
  @ApiProperty({ enum: ['sandbox', 'production'], example: 'production' }) keyKind: string;
  @ApiProperty({ enum: API_GROUPS, example: 'client' }) group: string;
  @ApiProperty({ format: 'uuid' }) developerId: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true }) tenantId: string | null;
  @ApiPropertyOptional({ nullable: true, example: 'dana@example.com' }) email: string | null;
}

class UsageKeyTotalDto extends UsageCountsDto {
  @ApiProperty({ format: 'uuid' }) keyId: string;
  @ApiPropertyOptional({ nullable: true, example: 'Front-desk POS' }) keyName: string | null;
}

class UsageTotalsDto extends UsageCountsDto {
  @ApiProperty({ type: [UsageKeyTotalDto], description: 'Per key over the whole range.' })
  byKey: UsageKeyTotalDto[];
}

class UsageReportDto {
  @ApiProperty({ example: '2026-11-01' }) from: string;
  @ApiProperty({ example: '2026-11-30' }) to: string;
  @ApiProperty({ enum: ['day', 'month'], example: 'day' }) groupBy: string;
  @ApiProperty({ type: [UsageRowDto], description: 'One row per key × period × API group that saw use.' })
  rows: UsageRowDto[];
  @ApiProperty({ type: UsageTotalsDto }) totals: UsageTotalsDto;
}

export const AdminUsageDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The tenant's APP-key usage per day or month",
      description:
        "Requests per API group and Client API payments (sync and async) of every APP key of the caller's business, from the usage ledger " +
        '(exact per UTC day; today fills in within about a second). `Accept: text/csv` returns the same rows as CSV. ' +
        'Ranges default to the last 30 days and may span up to 800 days; the ledger keeps at least 400.',
    }),
    ApiProduces('application/json', 'text/csv'),
    ApiOkResponse({
      type: UsageReportDto,
      content: {
        'application/json': {
          example: {
            from: '2026-11-29',
            to: '2026-11-30',
            groupBy: 'day',
            rows: [
              {
                period: '2026-11-30',
                keyId: '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60',
                keyName: 'Front-desk POS',
                keyKind: 'production',
                group: 'client',
                requests: 1250,
                paymentsSync: 300,
                paymentsAsync: 420,
                developerId: 'b1f7c7de-8a43-4a5c-9a55-0d7c4c1b2a10',
                tenantId: '54f4ed20-8589-4de2-bd13-da35c0344e75',
                email: 'dana@example.com',
              },
            ],
            totals: {
              requests: 1250,
              paymentsSync: 300,
              paymentsAsync: 420,
              byKey: [
                {
                  keyId: '0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60',
                  keyName: 'Front-desk POS',
                  requests: 1250,
                  paymentsSync: 300,
                  paymentsAsync: 420,
                },
              ],
            },
          },
        },
        'text/csv': {
          example:
            'period,tenantId,developerId,email,keyId,keyName,keyKind,group,requests,paymentsSync,paymentsAsync\r\n' +
            '2026-11-30,54f4ed20-8589-4de2-bd13-da35c0344e75,b1f7c7de-8a43-4a5c-9a55-0d7c4c1b2a10,dana@example.com,0b6f2f0e-6f55-4a5e-9d2b-3a7c1e2d4f60,Front-desk POS,production,client,1250,300,420\r\n',
        },
      },
    }),
    AdminErrors(errorExample('badRange', ErrorCode.invalidData, 'Invalid data: from: must not be after to')),
  );
