import { Controller, Get, Query, Req, Res, UseGuards } from '@nestjs/common';
import { Public, RequiresApiGroup } from '@cloudflow/platform';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AdminBearerGuard, AdminCaller, type AdminCallerInfo } from '../admin-api/admin-bearer.guard';
import { AdminApiController } from '../admin-api/admin-api.docs';
import { RequiresRole } from '../admin-api/admin-role';
import { OperatorTokenGuard } from '../operator/operator-token.guard';
import { PortalDeveloper, PortalSessionGuard } from '../portal/portal-session.guard';
import { PortalSessionRoutes } from '../portal/portal.docs';
import { AdminUsageDocs, OperatorUsageDocs, PortalUsageDocs } from './usage.docs';
import { OperatorUsageQueryDto, UsageRangeDto } from './usage.dto';
import { usageRange } from './usage-range';
import { sendUsage } from './usage-response';
import { dailySeries } from './usage-series';
import { UsageService } from './usage.service';

/** GET /operator/v1/usage: every tenant's usage for invoicing, JSON or CSV. */
@Public()
@ApiTags('Usage')
@UseGuards(OperatorTokenGuard)
@Controller('operator/v1/usage')
export class OperatorUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @OperatorUsageDocs()
  async list(
    @Query() query: OperatorUsageQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const who = {
      ...(query.developerId ? { developerIds: [query.developerId] } : {}),
      ...(query.keyId ? { keyIds: [query.keyId] } : {}),
    };
    return sendUsage(req, res, await this.usage.report(usageRange(query), who));
  }
}

/** GET /admin/v1/usage: the caller's own tenant's keys. */
@AdminApiController('Usage')
@RequiresApiGroup('admin')
@UseGuards(AdminBearerGuard)
@Controller('admin/v1')
export class AdminUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get('usage')
  @RequiresRole('admin')
  @AdminUsageDocs()
  async list(
    @AdminCaller() caller: AdminCallerInfo,
    @Query() query: UsageRangeDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendUsage(
      req,
      res,
      await this.usage.report(usageRange(query), { developerIds: [caller.developerId] }),
    );
  }
}

/** GET /portal/v1/usage: the last 30 days of the developer's keys, one point per day (the Settings chart). */
@Public()
@UseGuards(PortalSessionGuard)
@PortalSessionRoutes()
@Controller('portal/v1')
export class PortalUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get('usage')
  @PortalUsageDocs()
  async last30Days(@PortalDeveloper() developerId: string, @Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    const range = usageRange({});
    return dailySeries(range, (await this.usage.report(range, { developerIds: [developerId] })).rows);
  }
}
