import type { Request } from 'express';

/** The route pattern a request matched; unknown paths share one name, so labels stay bounded. */
export function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  // Nest answers unknown paths from a catch-all route of its own.
  if (typeof pattern !== 'string' || pattern.includes('*')) return 'unmatched';
  return `${req.baseUrl}${pattern}`;
}
