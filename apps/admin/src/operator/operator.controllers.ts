import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { Public } from '@cloudflow/platform';
import { BlockedEndpointsService } from './blocked-endpoints.service';
import { OperatorDevelopersService } from './operator-developers.service';
import { OperatorKeysService } from './operator-keys.service';
import { OperatorTokenGuard } from './operator-token.guard';
import { BlockedEndpointIdParams, CreateBlockedEndpointDto, DeveloperIdParams, KeyIdParams, KeysQueryDto, UpdateKeyDto } from './operator.dto';

// The operator API (CONTRACT.md §11) takes no APP key: the operator token is its only credential.

@Public()
@UseGuards(OperatorTokenGuard)
@Controller('operator/v1/developers')
export class OperatorDevelopersController {
  constructor(private readonly developers: OperatorDevelopersService) {}

  @Get()
  list() {
    return this.developers.list();
  }

  @Post(':developerId/production')
  @HttpCode(200)
  makeProduction(@Param() params: DeveloperIdParams) {
    return this.developers.makeProduction(params.developerId);
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@Controller('operator/v1/keys')
export class OperatorKeysController {
  constructor(private readonly keys: OperatorKeysService) {}

  @Get()
  list(@Query() query: KeysQueryDto) {
    return this.keys.list(query.email);
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  revoke(@Param() params: KeyIdParams) {
    return this.keys.revoke(params.keyId);
  }

  @Post(':keyId/expire')
  @HttpCode(200)
  expire(@Param() params: KeyIdParams) {
    return this.keys.expire(params.keyId);
  }

  @Post(':keyId/renew')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  renew(@Param() params: KeyIdParams) {
    return this.keys.renew(params.keyId);
  }

  @Patch(':keyId')
  update(@Param() params: KeyIdParams, @Body() dto: UpdateKeyDto) {
    return this.keys.update(params.keyId, dto);
  }
}

@Public()
@UseGuards(OperatorTokenGuard)
@Controller('operator/v1/blocked-endpoints')
export class BlockedEndpointsController {
  constructor(private readonly blocked: BlockedEndpointsService) {}

  @Get()
  list() {
    return this.blocked.list();
  }

  @Post()
  create(@Body() dto: CreateBlockedEndpointDto) {
    return this.blocked.create(dto.method, dto.pathPrefix);
  }

  @Delete(':id')
  async delete(@Param() params: BlockedEndpointIdParams): Promise<{ id: string; deleted: true }> {
    await this.blocked.delete(params.id);
    return { id: params.id, deleted: true };
  }
}
