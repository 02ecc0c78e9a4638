import { Body, Controller, Header, HttpCode, Ip, Post, Req } from '@nestjs/common';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import type { RequestWithAppKey } from '@cloudflow/access';
import { RequiresApiGroup } from '@cloudflow/platform';
import { OauthService } from './oauth.service';

/** POST /auth/oauth/token (CONTRACT.md §4): form-encoded per RFC 6749, JSON accepted too. */
@Controller('auth/oauth')
@RequiresApiGroup('admin')
export class OauthController {
  constructor(private readonly oauth: OauthService) {}

  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  // `@Ip()` is req.ip: the socket's address, or the proxy's X-Forwarded-For entry under TRUST_PROXY.
  token(
    @Req() req: RequestWithAppKey,
    @Body() body: Record<string, unknown> | undefined,
    @Ip() address: string,
  ) {
    if (!req.appKey) throw new CloudFlowError(ErrorCode.unauthorized, 'Authorization field missing');
    const params = body && typeof body === 'object' && !Array.isArray(body) ? body : {};
    return this.oauth.token(req.appKey, params, address);
  }
}
