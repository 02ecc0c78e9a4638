import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { ErrorCode, type UserRole } from '@cloudflow/contracts';
import { errorExample } from '@cloudflow/platform';
import { AdminErrors } from '../admin-api/admin-api.docs';
import { CreateUserDto } from './users.dto';
import type { UserView } from './users.views';

export class UserDto implements UserView {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ description: 'Unique in the business; case sensitive.', example: 'grace' }) username: string;
  @ApiProperty({ example: 'Grace Hopper' }) name: string;
  @ApiProperty({ type: String, nullable: true, example: 'grace@example.com' }) email: string | null;
  @ApiProperty({ description: 'IANA time zone.', example: 'Europe/Dublin' }) timeZone: string;
  @ApiProperty({
    enum: ['admin', 'user'],
    description:
      "`admin`: the business's admin user (made on the portal); may change everything. `user`: every user made here; reads devices, accounts (no secrets) and the request log.",
    example: 'user',
  })
  role: UserRole;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export const ListUsersDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "The business's users",
      description: 'Who may log in to the business. Credentials never appear.',
    }),
    ApiOkResponse({ type: UserDto, isArray: true }),
    AdminErrors(),
  );

export const CreateUserDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Create a user of the business',
      description:
        'The new user has the `user` role and logs in with the OAuth password grant. The password and PIN are kept only as argon2id hashes; `name` defaults to the username.',
    }),
    ApiBody({
      type: CreateUserDto,
      examples: {
        user: {
          summary: 'A cashier',
          value: {
            username: 'grace',
            password: 'a-long-password',
            pin: '4321',
            timeZone: 'Europe/Dublin',
            name: 'Grace Hopper',
            email: 'grace@example.com',
          },
        },
      },
    }),
    ApiCreatedResponse({ type: UserDto }),
    AdminErrors(
      errorExample('usernameTaken', ErrorCode.duplicateItem, "Username 'grace' is already taken"),
      errorExample(
        'badPassword',
        ErrorCode.invalidData,
        'Invalid data: password: password must be longer than or equal to 8 characters',
      ),
    ),
  );
