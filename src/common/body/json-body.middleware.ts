import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { json } from 'express';
import type { AllConfig } from '../../config/configuration';
import { MalformedBodyError, UnsupportedMediaTypeError } from '../errors/request.errors';

type Next = (error?: unknown) => void;
type RequestWithBody = IncomingMessage & { body?: unknown };

/** Deeper than any request this service takes; class-transformer would recurse until the stack ran out. */
const MAX_DEPTH = 64;

const METHODS_WITH_BODIES = new Set(['POST', 'PUT', 'PATCH']);

function isJsonType(req: IncomingMessage): boolean {
  const [mediaType = ''] = (req.headers['content-type'] ?? '').toLowerCase().split(';');
  const type = mediaType.trim();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Depth of nested arrays and objects, counted without recursion. */
function isNestedDeeperThan(value: unknown, limit: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > limit) return true;
    level = level.flatMap((item): unknown[] =>
      typeof item === 'object' && item !== null ? Object.values(item) : [],
    );
  }
  return false;
}

function checkBody(req: RequestWithBody, rawLength: number): void {
  if (!METHODS_WITH_BODIES.has(req.method ?? '')) return;
  if (!isJsonType(req)) throw new UnsupportedMediaTypeError();
  if (rawLength === 0) throw new MalformedBodyError('The request body is empty.');
  const { body } = req;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MalformedBodyError('The request body must be a JSON object.');
  }
  if (isNestedDeeperThan(body, MAX_DEPTH)) {
    throw new MalformedBodyError(`The request body is nested more than ${MAX_DEPTH} levels deep.`);
  }
}

/**
 * JSON bodies through Express's parser, up to BODY_LIMIT, UTF-8 and uncompressed
 * only; anything else a POST carries is refused in the contract's terms.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  private readonly parse: ReturnType<typeof json>;

  constructor(config: ConfigService<AllConfig, true>) {
    this.parse = json({
      limit: config.get('app.bodyLimitBytes', { infer: true }),
      type: isJsonType,
      inflate: false,
      // Which JSON values a route takes is checked below, in the contract's words.
      strict: false,
      verify: (req, _res, buffer) => {
        (req as IncomingMessage & { rawLength?: number }).rawLength = buffer.length;
      },
    });
  }

  use(req: RequestWithBody & { rawLength?: number }, res: ServerResponse, next: Next): void {
    this.parse(req, res, (error) => {
      if (error !== undefined) return next(error);
      try {
        checkBody(req, req.rawLength ?? 0);
        next();
      } catch (problem) {
        next(problem);
      }
    });
  }
}
