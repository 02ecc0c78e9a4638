import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PortalAsset {
  body: Buffer;
  contentType: string;
  /** Strong validator: browsers revalidate (Cache-Control no-cache) and get 304 while it holds. */
  etag: string;
}

/** The portal's files by the name they are served under (tools/build.mjs copies static/ to dist). */
const FILES: Record<string, { file: string; contentType: string }> = {
  'index.html': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  'portal.js': { file: 'portal.js', contentType: 'text/javascript; charset=utf-8' },
  'portal.css': { file: 'portal.css', contentType: 'text/css; charset=utf-8' },
};

export const STATIC_DIR = join(__dirname, 'static');

/**
 * Reads the pages once at start: they are a few kilobytes, and a missing file should stop the
 * process at boot (a broken build), not turn into 404s for the first developer who signs up.
 */
export function loadPortalAssets(dir = STATIC_DIR): ReadonlyMap<string, PortalAsset> {
  const assets = new Map<string, PortalAsset>();
  for (const [name, { file, contentType }] of Object.entries(FILES)) {
    const body = readFileSync(join(dir, file));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(name, { body, contentType, etag });
  }
  return assets;
}

/**
 * Self only: the pages load their one script and stylesheet from this origin and talk only to
 * /portal/v1. No inline script or style anywhere, so none is allowed.
 */
export const PORTAL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');
