import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { RequiresApiGroup } from '@cloudflow/platform';
import { AdminApiController } from '../admin-api/admin-api.docs';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from '../admin-api/admin-bearer.guard';
import { RequiresRole } from '../admin-api/admin-role';
import { CreateUserDocs, ListUsersDocs } from './users.docs';
import { CreateUserDto } from './users.dto';
import { UsersService } from './users.service';

/** GET/POST /admin/v1/users (CONTRACT.md §9): the caller's tenant users. */
@RequiresApiGroup('admin')
@AdminApiController('Users')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Who may log in to the business is the admin's business, not every user's. */
  @Get()
  @ListUsersDocs()
  @RequiresRole('admin')
  list(@AdminCaller() caller: AdminCallerInfo) {
    return this.users.list(caller.tenantId);
  }

  @Post()
  @CreateUserDocs()
  create(@AdminCaller() caller: AdminCallerInfo, @Body() dto: CreateUserDto) {
    return this.users.create(caller.tenantId, dto);
  }
}
