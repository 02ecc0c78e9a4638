import { applyDecorators } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import {
  API_GROUPS,
  ErrorCode,
  KEY_KINDS,
  type ApiGroup,
  type KeyKind,
  type KeyStatus,
} from '@cloudflow/contracts';
import { ApiErrors, errorExample, type ErrorExample } from '@cloudflow/platform';
import type { AdminUserView, CompanyView, DeveloperView, PortalKeyView, SettingsView } from './portal.views';

/** The security scheme of the portal document: the session token from log-in. */
export const PORTAL_SECURITY = 'portalSession';

class DeveloperDto implements DeveloperView {
  @ApiProperty({ format: 'uuid' }) developerId: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name: string;
  @ApiProperty({ example: 'ada@example.com' }) email: string;
  @ApiProperty({ enum: KEY_KINDS, description: '`sandbox` until the operator upgrades you.' }) kind: KeyKind;
}

export class CompanyDto implements CompanyView {
  @ApiProperty({ format: 'uuid', description: 'Your tenant id.' }) tenantId: string;
  @ApiProperty({ description: 'System-assigned business code.', example: 'CFQXZK6TJ7' }) businessCode: string;
  @ApiProperty({ example: 'Ada Coffee' }) name: string;
}

class AdminUserDto implements AdminUserView {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ example: 'ada' }) username: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name: string;
  @ApiProperty({ example: 'ada@example.com' }) email: string;
  @ApiProperty({ example: 'Europe/Dublin' }) timeZone: string;
}

export class NewAdminUserDto extends AdminUserDto {
  @ApiProperty({ format: 'uuid' }) tenantId: string;
}

class PortalKeyDto implements PortalKeyView {
  @ApiProperty({ format: 'uuid' }) keyId: string;
  @ApiProperty({ description: 'The first characters of the key.', example: 'cf_sbx_Q3xK' }) prefix: string;
  @ApiProperty({ enum: KEY_KINDS }) kind: KeyKind;
  @ApiProperty({ enum: ['active', 'revoked', 'expired'] }) status: KeyStatus;
  @ApiProperty({ enum: API_GROUPS, isArray: true }) groups: ApiGroup[];
  @ApiProperty({ example: 10_000 }) usageLimitPerDay: number;
  @ApiProperty({ example: 42 }) usedToday: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt: string | null;
}

export class SettingsDto implements SettingsView {
  @ApiProperty({ type: DeveloperDto }) developer: DeveloperDto;
  @ApiProperty({ type: CompanyDto, nullable: true, description: 'Null until you create it.' })
  company: CompanyDto | null;
  @ApiProperty({ type: AdminUserDto, nullable: true, description: 'Null until you create it.' })
  adminUser: AdminUserDto | null;
  @ApiProperty({ type: PortalKeyDto, isArray: true, description: 'Your APP keys, never in clear.' })
  appKeys: PortalKeyDto[];
}

class SignedUpDto {
  @ApiProperty({ format: 'uuid' }) developerId: string;
}

class SessionDto {
  @ApiProperty({
    description: 'The portal session: `Authorization: Bearer <sessionToken>`; ended by log-out.',
  })
  sessionToken: string;
}

class RevealedKeyDto {
  @ApiProperty({ description: 'Your APP key in clear (the `api-key` header of every other API).' })
  appKey: string;
  @ApiProperty({ format: 'uuid' }) keyId: string;
  @ApiProperty({ example: 'cf_sbx_Q3xK' }) prefix: string;
}

/** Portal errors: no APP key layer (the portal is how you get one). */
const PortalErrors = (...examples: ErrorExample[]) => ApiErrors(examples, { appKey: false });
const noSession = errorExample(
  'session',
  ErrorCode.unauthorized,
  'Missing or invalid Authorization bearer token',
);
const invalid = (field: string, rule: string) =>
  errorExample(`bad_${field}`, ErrorCode.invalidData, `Invalid data: ${field}: ${field} ${rule}`);
const throttled = errorExample(
  'throttled',
  ErrorCode.tooManyRequests,
  'Too many failed attempts, try again later',
);

/** Tag of sign-up and log-in (no session). */
export const PortalAccountRoutes = () => ApiTags('Account');

/** Tag and the session scheme for the portal routes behind a session. */
export const PortalSessionRoutes = () => applyDecorators(ApiTags('Settings'), ApiSecurity(PORTAL_SECURITY));

export const SignupDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Sign up as a developer',
      description:
        'A sandbox APP key is made for you; reveal it after logging in. Sign-ups are limited per client address (429 with `Retry-After`).',
    }),
    ApiCreatedResponse({ type: SignedUpDto }),
    PortalErrors(
      errorExample('emailTaken', ErrorCode.duplicateItem, 'A developer with this email already exists'),
      errorExample(
        'badPassword',
        ErrorCode.invalidData,
        'Invalid data: password: password must be longer than or equal to 8 characters',
      ),
      errorExample(
        'tooManySignups',
        ErrorCode.tooManyRequests,
        'Too many sign-ups from this address, try again later',
      ),
    ),
  );

export const LoginDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Log in to the portal',
      description:
        'Failed attempts are counted per email and per client address across every replica: growing delays, then a temporary lockout (429 with `Retry-After`).',
    }),
    ApiOkResponse({ type: SessionDto }),
    PortalErrors(
      errorExample('badLogin', ErrorCode.unauthorized, 'Invalid email or password'),
      invalid('email', 'must be a string'),
      throttled,
    ),
  );

export const SettingsDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'You, your company, its admin user and your APP keys (never in clear)' }),
    ApiOkResponse({ type: SettingsDto }),
    PortalErrors(noSession),
  );

export const RevealDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: 'Reveal your APP key (asks for the password again)',
      description: 'Wrong passwords count towards the same lockout as log-in.',
    }),
    ApiOkResponse({ type: RevealedKeyDto }),
    PortalErrors(
      noSession,
      errorExample('badPassword', ErrorCode.unauthorized, 'Invalid email or password'),
      errorExample('noKey', ErrorCode.notFound, 'There is no active APP key to reveal'),
      invalid('password', 'must be a string'),
      throttled,
    ),
  );

export const LogoutDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Log out: the session token is refused everywhere from now on' }),
    ApiNoContentResponse({ description: 'Logged out' }),
    PortalErrors(noSession),
  );

export const CreateCompanyDocs = () =>
  applyDecorators(
    ApiOperation({ summary: 'Create your business profile (company): your tenant' }),
    ApiCreatedResponse({ type: CompanyDto }),
    PortalErrors(
      noSession,
      errorExample('companyExists', ErrorCode.duplicateItem, 'A company already exists for this developer'),
      invalid('name', 'must be longer than or equal to 1 characters'),
    ),
  );

export const CreateAdminUserDocs = () =>
  applyDecorators(
    ApiOperation({
      summary: "Create your company's admin user",
      description:
        'It logs in with the OAuth password grant on the gateway and has the `admin` role. Name and email default to yours.',
    }),
    ApiCreatedResponse({ type: NewAdminUserDto }),
    PortalErrors(
      noSession,
      errorExample('noCompany', ErrorCode.preconditionFailed, 'Create a company first'),
      errorExample('adminExists', ErrorCode.duplicateItem, 'An admin user already exists for this company'),
      invalid('timeZone', 'must be an IANA time zone name such as Europe/Amsterdam or UTC'),
    ),
  );
