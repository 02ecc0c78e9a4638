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
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { Public } from '@cloudflow/platform';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { BlockedEndpointsService } from './blocked-endpoints.service';
import { OperatorDevelopersService } from './operator-developers.service';
import { OperatorKeysService } from './operator-keys.service';
import { OperatorTenantsService } from './operator-tenants.service';
import { OperatorTokenGuard } from './operator-token.guard';
import {
  BlockedEndpointIdParams,
  ConnectionCeilingDto,
  CreateBlockedEndpointDto,
  DeveloperIdParams,
  KeyIdParams,
  KeysQueryDto,
  TenantIdParams,
  UpdateKeyDto,
} from './operator.dto';

// The operator API (CONTRACT.md §11) takes no APP key: the operator token is its only credential.

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('Developers')
@Controller('operator/v1/developers')
export class OperatorDevelopersController {
  constructor(private readonly developers: OperatorDevelopersService) {}

  @Get()
  @ApiOperation({ summary: 'Developers with their tenant (if any) and kind' })
  list() {
    return this.developers.list();
  }

  @Post(':developerId/production')
  @ApiOperation({ summary: 'Upgrade a developer to production (more named APP keys)' })
  @HttpCode(200)
  makeProduction(@Param() params: DeveloperIdParams) {
    return this.developers.makeProduction(params.developerId);
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('APP keys')
@Controller('operator/v1/keys')
export class OperatorKeysController {
  constructor(private readonly keys: OperatorKeysService) {}

  @Get()
  @ApiOperation({ summary: "APP keys, optionally of one developer by email, with today's usage" })
  list(@Query() query: KeysQueryDto) {
    return this.keys.list(query.email);
  }

  @Post(':keyId/revoke')
  @ApiOperation({ summary: 'Revoke a key: 401 Invalid APP key everywhere within 5 s' })
  @HttpCode(200)
  revoke(@Param() params: KeyIdParams) {
    return this.keys.revoke(params.keyId);
  }

  @Post(':keyId/expire')
  @ApiOperation({ summary: 'Expire a key: 401 Key has expired, please renew, everywhere within 5 s' })
  @HttpCode(200)
  expire(@Param() params: KeyIdParams) {
    return this.keys.expire(params.keyId);
  }

  @Post(':keyId/renew')
  @ApiOperation({ summary: 'A new key for the same owner (shown once); the old one is revoked' })
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  renew(@Param() params: KeyIdParams) {
    return this.keys.renew(params.keyId);
  }

  @Patch(':keyId')
  @ApiOperation({ summary: "Change a key's groups, daily limit, rate or expiry" })
  update(@Param() params: KeyIdParams, @Body() dto: UpdateKeyDto) {
    return this.keys.update(params.keyId, dto);
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('Blocked endpoints')
@Controller('operator/v1/blocked-endpoints')
export class BlockedEndpointsController {
  constructor(private readonly blocked: BlockedEndpointsService) {}

  @Get()
  @ApiOperation({ summary: 'Blocked endpoints' })
  list() {
    return this.blocked.list();
  }

  @Post()
  @ApiOperation({ summary: 'Block a method and path prefix: 403 Requested endpoint is forbidden within 5 s' })
  create(@Body() dto: CreateBlockedEndpointDto) {
    return this.blocked.create(dto.method, dto.pathPrefix);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Unblock' })
  async delete(@Param() params: BlockedEndpointIdParams): Promise<{ id: string; deleted: true }> {
    await this.blocked.delete(params.id);
    return { id: params.id, deleted: true };
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@ApiTags('Tenants')
@Controller('operator/v1/tenants')
export class OperatorTenantsController {
  constructor(private readonly tenants: OperatorTenantsService) {}

  @Get(':tenantId/connection-ceiling')
  @ApiOperation({
    summary: 'The most connections any one account of the tenant may be given, and where it comes from',
  })
  connectionCeiling(@Param() params: TenantIdParams) {
    return this.tenants.connectionCeiling(params.tenantId);
  }

  @Put(':tenantId/connection-ceiling')
  @ApiOperation({
    summary:
      "Set (or, with null, clear) the tenant's ceiling on an account's connection limit; above it, creating or changing an account is 422 and the hubs admit no more",
  })
  setConnectionCeiling(@Param() params: TenantIdParams, @Body() body: ConnectionCeilingDto) {
    return this.tenants.setConnectionCeiling(params.tenantId, body.connectionCeiling);
  }
}
