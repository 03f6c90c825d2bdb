import type { Request } from 'express';

/** The route pattern a request matched; unknown paths share one name, so labels stay bounded. */
export function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  // Nest answers unknown paths from a catch-all route of its own.
  if (typeof pattern !== 'string' || pattern.includes('*')) return 'unmatched';
  // Middleware bound to a controller sees its root as `/api/v1/chat/`; one route, one name.
  const route = `${req.baseUrl}${pattern}`;
  return route.length > 1 && route.endsWith('/') ? route.slice(0, -1) : route;
}
