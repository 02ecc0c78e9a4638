import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { RequiresApiGroup } from '@cloudflow/platform';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from '../admin-api/admin-bearer.guard';
import { AdminApiController } from '../admin-api/admin-api.docs';
import {
  CreateAccountDocs,
  DeleteAccountDocs,
  GetAccountDocs,
  ListAccountsDocs,
  RotateAccountTokenDocs,
  UpdateAccountDocs,
} from './accounts.docs';
import { AccountParams, CreateAccountDto, UpdateAccountDto } from './accounts.dto';
import { AccountsService } from './accounts.service';

/** /admin/v1/accounts (CONTRACT.md §9): the caller's tenant comes from the access token. */
@AdminApiController('Accounts')
@RequiresApiGroup('admin')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @CreateAccountDocs()
  @Header('Cache-Control', 'no-store')
  create(@AdminCaller() caller: AdminCallerInfo, @Body() dto: CreateAccountDto) {
    return this.accounts.create(caller.tenantId, dto);
  }

  @Get()
  @ListAccountsDocs()
  list(@AdminCaller() caller: AdminCallerInfo) {
    return this.accounts.list(caller.tenantId);
  }

  @Get(':accountId')
  @GetAccountDocs()
  get(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.accounts.get(caller.tenantId, params.accountId);
  }

  @Patch(':accountId')
  @UpdateAccountDocs()
  update(
    @AdminCaller() caller: AdminCallerInfo,
    @Param() params: AccountParams,
    @Body() dto: UpdateAccountDto,
  ) {
    return this.accounts.update(caller.tenantId, params.accountId, dto);
  }

  @Delete(':accountId')
  @DeleteAccountDocs()
  delete(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.accounts.delete(caller.tenantId, params.accountId);
  }

  @Post(':accountId/api-token')
  @RotateAccountTokenDocs()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  rotateToken(@AdminCaller() caller: AdminCallerInfo, @Param() params: AccountParams) {
    return this.accounts.rotateToken(caller.tenantId, params.accountId);
  }
}
