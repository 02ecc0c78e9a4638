import { Body, Controller, Get, Header, HttpCode, Ip, Post, UseGuards } from '@nestjs/common';
import { Public } from '@cloudflow/platform';
import { PortalAccountService } from './portal-account.service';
import { PortalBusinessService } from './portal-business.service';
import {
  PortalDeveloper,
  PortalSession,
  PortalSessionGuard,
  type PortalSessionInfo,
} from './portal-session.guard';
import {
  CreateAdminUserDocs,
  CreateCompanyDocs,
  LoginDocs,
  LogoutDocs,
  PortalAccountRoutes,
  PortalSessionRoutes,
  RevealDocs,
  SettingsDocs,
  SignupDocs,
} from './portal.docs';
import { CreateAdminUserDto, CreateCompanyDto, LoginDto, RevealKeyDto, SignupDto } from './portal.dto';

/** Portal JSON API without a session (CONTRACT.md §10). No APP key: the portal is how you get one. */
@Public()
@PortalAccountRoutes()
@Controller('portal/v1')
export class PortalAccountController {
  constructor(private readonly accounts: PortalAccountService) {}

  // `@Ip()` is req.ip: the socket's address, or the proxy's X-Forwarded-For entry under TRUST_PROXY.
  @Post('signup')
  @SignupDocs()
  signup(@Body() dto: SignupDto, @Ip() address: string) {
    return this.accounts.signup(dto, address);
  }

  @Post('login')
  @LoginDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  login(@Body() dto: LoginDto, @Ip() address: string) {
    return this.accounts.login(dto, address);
  }
}

/** Portal JSON API behind the portal session (`Authorization: Bearer <sessionToken>`). */
@Public()
@UseGuards(PortalSessionGuard)
@PortalSessionRoutes()
@Controller('portal/v1')
export class PortalSettingsController {
  constructor(
    private readonly accounts: PortalAccountService,
    private readonly business: PortalBusinessService,
  ) {}

  @Get('settings')
  @SettingsDocs()
  settings(@PortalDeveloper() developerId: string) {
    return this.business.settings(developerId);
  }

  @Post('app-key/reveal')
  @RevealDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  reveal(@PortalDeveloper() developerId: string, @Body() dto: RevealKeyDto, @Ip() address: string) {
    return this.accounts.reveal(developerId, dto.password, address);
  }

  /** Ends this session on the server: the token is refused everywhere from now on (CONTRACT §10 addition). */
  @Post('logout')
  @LogoutDocs()
  @HttpCode(204)
  logout(@PortalSession() session: PortalSessionInfo) {
    return this.accounts.logout(session);
  }

  @Post('company')
  @CreateCompanyDocs()
  createCompany(@PortalDeveloper() developerId: string, @Body() dto: CreateCompanyDto) {
    return this.business.createCompany(developerId, dto.name);
  }

  @Post('admin-user')
  @CreateAdminUserDocs()
  createAdminUser(@PortalDeveloper() developerId: string, @Body() dto: CreateAdminUserDto) {
    return this.business.createAdminUser(developerId, dto);
  }
}
