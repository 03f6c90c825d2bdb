import { SetMetadata, type Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * Sends, from the request as it arrived (not yet validated), the Redis read a
 * route's handler will need first, and keeps it for the handler. The rate
 * limiter calls it just before sending its count, so the read travels with
 * the count instead of waiting for its reply. A read must never reject
 * unhandled: one that fails, or that guessed a key validation then changed,
 * is only a round trip not saved.
 */
export interface ReadAheadSource<Options> {
  start(request: FastifyRequest, options: Options): void;
}

export interface ReadAheadRoute<Options> {
  source: Type<ReadAheadSource<Options>>;
  options: Options;
}

export const READ_AHEAD_ROUTE = Symbol('READ_AHEAD_ROUTE');

/** The route's first Redis read is started by `source`, a provider of the route's module. */
export const ReadsAhead = <Options>(source: Type<ReadAheadSource<Options>>, options: Options) =>
  SetMetadata(READ_AHEAD_ROUTE, { source, options } satisfies ReadAheadRoute<Options>);
