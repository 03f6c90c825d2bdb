import type { IncomingMessage } from 'node:http';

/**
 * The route pattern a request matched; unknown paths share one name, so labels
 * stay bounded. Where no controller route matched, req.route is the last
 * middleware layer's: the catch-all's, or a controller route's plus a slash.
 */
export function routeOf(req: IncomingMessage): string {
  const path = (req as { route?: { path?: unknown } }).route?.path;
  if (typeof path !== 'string' || path.includes('*')) return 'unmatched';
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
