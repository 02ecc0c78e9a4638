import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CloudFlowError, ErrorCode } from '@cloudflow/contracts';
import { Public } from '@cloudflow/platform';
import type { Request, Response } from 'express';
import { loadPortalAssets, PORTAL_CSP, type PortalAsset } from './portal-assets';

const ASSETS = ['portal.js', 'portal.css'];

/**
 * The developer-portal pages (CONTRACT.md §10): one HTML page with its script and stylesheet,
 * no APP key (the portal is where a developer gets one). The JSON API stays at /portal/v1.
 */
@ApiExcludeController()
@Public()
@Controller('portal')
export class PortalWebController {
  private readonly assets = loadPortalAssets();

  /** `/portal`, and `/portal/` through the bootstrap's slash alias (routing is strict). */
  @Get()
  page(@Req() req: Request, @Res() res: Response): void {
    this.send(req, res, this.asset('index.html'));
  }

  @Get('assets/:file')
  file(@Param('file') file: string, @Req() req: Request, @Res() res: Response): void {
    if (!ASSETS.includes(file))
      throw new CloudFlowError(ErrorCode.notFound, `Portal file '${file}' does not exist`);
    this.send(req, res, this.asset(file));
  }

  private asset(name: string): PortalAsset {
    const asset = this.assets.get(name);
    if (!asset) throw new CloudFlowError(ErrorCode.notFound, `Portal file '${name}' does not exist`);
    return asset;
  }

  private send(req: Request, res: Response, asset: PortalAsset): void {
    res.set({
      'Content-Type': asset.contentType,
      // Revalidate every time (cheap 304s): a new release is never hidden behind a stale script.
      'Cache-Control': 'no-cache',
      ETag: asset.etag,
      'Content-Security-Policy': PORTAL_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
    });
    if (matches(req.headers['if-none-match'], asset.etag)) {
      res.status(304).end();
      return;
    }
    res.status(200).send(asset.body);
  }
}

/** RFC 9110 If-None-Match: `*` or a list of tags (weak ones compare equal to strong for GET). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
