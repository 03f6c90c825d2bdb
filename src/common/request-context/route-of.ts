import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const routes = new WeakMap<IncomingMessage, string>();

/**
 * Fastify knows the matched route before any middleware runs; logs and metrics
 * only see the raw request, so the route is kept against it here.
 */
export function recordRoute(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const { url } = request.routeOptions;
  if (url !== undefined) routes.set(request.raw, url);
  done();
}

/** The route pattern a request matched; unknown paths share one name, so labels stay bounded. */
export function routeOf(req: IncomingMessage): string {
  return routes.get(req) ?? 'unmatched';
}
