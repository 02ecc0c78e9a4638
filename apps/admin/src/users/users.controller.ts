import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { RequiresApiGroup } from '@cloudflow/platform';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from '../admin-api/admin-bearer.guard';
import { CreateUserDto } from './users.dto';
import { UsersService } from './users.service';

/** GET/POST /admin/v1/users (CONTRACT.md §9): the caller's tenant users. */
@RequiresApiGroup('admin')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: "The business's users" })
  list(@AdminCaller() caller: AdminCallerInfo) {
    return this.users.list(caller.tenantId);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user of the business' })
  create(@AdminCaller() caller: AdminCallerInfo, @Body() dto: CreateUserDto) {
    return this.users.create(caller.tenantId, dto);
  }
}
