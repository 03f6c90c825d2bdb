import type { IncomingMessage } from 'node:http';
import { SetMetadata, type Type } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** A value read from Redis in the round trip that counted the request against its rate limit. */
export interface ReadAhead {
  readonly key: string;
  readonly value: string | null;
}

/**
 * Names the Redis key a route's handler will read first, from the request as
 * it arrived (not yet validated), so that read can ride with the rate-limit
 * count. A wrong guess costs one wasted read: the handler checks the key.
 */
export interface ReadAheadSource {
  keyFor(request: FastifyRequest): string | undefined;
}

export const READ_AHEAD_SOURCE = Symbol('READ_AHEAD_SOURCE');

/** The route's first Redis read is named by `source`, a provider of the route's module. */
export const ReadsAhead = (source: Type<ReadAheadSource>) => SetMetadata(READ_AHEAD_SOURCE, source);

const readAheads = new WeakMap<IncomingMessage, ReadAhead>();

export function keepReadAhead(req: IncomingMessage, readAhead: ReadAhead): void {
  readAheads.set(req, readAhead);
}

export function readAheadOf(req: IncomingMessage): ReadAhead | undefined {
  return readAheads.get(req);
}
