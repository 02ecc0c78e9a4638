import type { NextFunction, Request, Response } from 'express';

/**
 * Helmet's defaults that matter for a JSON API, written out (no new dependency): no MIME
 * sniffing, never framed, no referrer, HSTS when the request came over TLS (directly or as a
 * TLS-terminating proxy says), and `no-store` so no cache keeps an answer that may carry a
 * credential (tokens, API tokens, webhook secrets, APP keys). A route that is safe to cache
 * (the portal's assets, the API documents) sets its own Cache-Control, which replaces this one.
 */
export function securityHeaders() {
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (req.secure || req.headers['x-forwarded-proto'] === 'https') {
      res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    }
    next();
  };
}
