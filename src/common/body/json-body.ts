import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  MalformedBodyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors/request.errors';

type ParsedBody = Record<string, unknown>;
type Done = (error: Error | null, body?: ParsedBody) => void;

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [mediaType = '', ...parameters] = contentType.toLowerCase().split(';');
  const type = mediaType.trim();
  if (type !== 'application/json' && !type.endsWith('+json')) return false;
  const charset = parameters.map((p) => p.trim()).find((p) => p.startsWith('charset='));
  return (
    charset === undefined || ['charset=utf-8', 'charset=utf8', 'charset="utf-8"'].includes(charset)
  );
}

function isIdentity(contentEncoding: string | undefined): boolean {
  return contentEncoding === undefined || contentEncoding.toLowerCase() === 'identity';
}

function readText(req: IncomingMessage, limitBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limitBytes) return Promise.reject(new PayloadTooLargeError(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes) return void chunks.push(chunk);
      req.off('data', onData);
      reject(new PayloadTooLargeError(limitBytes));
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, received).toString('utf8')));
    req.once('error', reject);
  });
}

function toObject(text: string): ParsedBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MalformedBodyError('The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MalformedBodyError('The request body must be a JSON object.');
  }
  return body as ParsedBody;
}

/**
 * Every body is read here, whatever its Content-Type, so each way it can be
 * wrong becomes the contract's 400/413/415 error rather than Fastify's own.
 */
export function acceptJsonBodies(fastify: FastifyInstance, limitBytes: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    '*',
    (request: FastifyRequest, payload: IncomingMessage, done: Done) => {
      const { headers } = request;
      if (!isJson(headers['content-type']) || !isIdentity(headers['content-encoding'])) {
        return done(new UnsupportedMediaTypeError());
      }
      readText(payload, limitBytes)
        .then(toObject)
        .then(
          (body) => done(null, body),
          (error: Error) => done(error),
        );
    },
  );
  // A POST with no body at all never reaches a content-type parser.
  fastify.addHook('preValidation', (request, _reply, next) => {
    next(
      request.method === 'POST' && request.body === undefined
        ? new UnsupportedMediaTypeError()
        : undefined,
    );
  });
}
