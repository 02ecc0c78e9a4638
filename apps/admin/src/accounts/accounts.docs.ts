import { applyDecorators } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { ErrorCode, OPTIONAL_EVENT_TYPES, type OptionalEventType } from '@cloudflow/contracts';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';
import type { AccountView, NewAccountView } from './account.views';

export class AccountDto implements AccountView {
  @ApiProperty({
    description: 'Tenant-chosen (or generated) id, case-sensitive.',
    example: 'pos-main-street',
  })
  accountId: string;
  @ApiProperty({ example: 'Main Street POS' }) name: string;
  @ApiProperty({ description: 'Websockets (device and client) the account may hold at once.', example: 10 })
  connectionLimit: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Where async results are POSTed (CONTRACT.md §8).',
    example: 'https://pos.example.com/cloudflow',
  })
  webhookUrl: string | null;
  @ApiProperty({
    type: [String],
    enum: OPTIONAL_EVENT_TYPES,
    description:
      'Event kinds the webhooks and the events feed carry besides the requests\' messages (README, "Events").',
    example: ['deviceConnected', 'deviceDisconnected'],
  })
  webhookEvents: OptionalEventType[];
  @ApiProperty({ description: 'Seconds an async request waits for a final answer.', example: 150 })
  requestTimeoutSeconds: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class NewAccountDto extends AccountDto implements NewAccountView {
  @ApiProperty({ description: 'The account credential (Client API bearer); shown only here.' })
  apiToken: string;
  @ApiProperty({ description: 'Signs webhook deliveries (CloudFlow-Signature); shown only here.' })
  webhookSecret: string;
}

export class AccountDeletedDto {
  @ApiProperty({ example: 'pos-main-street' }) accountId: string;
  @ApiProperty({ enum: [true] }) deleted: true;
}

export class AccountTokenDto {
  @ApiProperty({ example: 'pos-main-street' }) accountId: string;
  @ApiProperty({ description: 'The new token; the old one stops working within 5 s.' }) apiToken: string;
}

const notFound = errorExample(
  'unknownAccount',
  ErrorCode.notFound,
  "Account 'pos-main-street' does not exist",
);
const badId = errorExample(
  'badAccountId',
  ErrorCode.invalidData,
  'Invalid data: accountId may contain only letters, digits and . _ : @ -',
);

export const CreateAccountDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Create an account',
      description: 'A POS integration: its apiToken and webhookSecret are shown only in this answer.',
    }),
    ApiCreatedResponse({ type: NewAccountDto }),
    AdminErrors(
      errorExample('taken', ErrorCode.duplicateItem, 'Account pos-main-street already exists'),
      errorExample('webhookUrl', ErrorCode.invalidData, 'Invalid data: webhookUrl: must use https'),
    ),
  );

export const ListAccountsDocs = () =>
  applyDecorators(
    ApiOperation({ summary: "The tenant's accounts" }),
    ApiOkResponse({ type: AccountDto, isArray: true }),
    AdminErrors(),
  );

export const GetAccountDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'One account' }),
    ApiOkResponse({ type: AccountDto }),
    AdminErrors(notFound, badId),
  );

export const UpdateAccountDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Update an account',
      description: 'Only the fields sent change; `webhookUrl: null` removes the URL.',
    }),
    ApiOkResponse({ type: AccountDto }),
    AdminErrors(notFound, badId),
  );

export const DeleteAccountDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Delete an account',
      description: 'Its devices go with it; open sockets are closed.',
    }),
    ApiOkResponse({ type: AccountDeletedDto }),
    AdminErrors(notFound, badId),
  );

export const RotateAccountTokenDocs = () =>
  applyDecorators(
    ApiOperation({ summary: "Rotate the account's apiToken" }),
    ApiOkResponse({ type: AccountTokenDto }),
    AdminErrors(notFound, badId),
  );
