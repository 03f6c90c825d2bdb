import { Injectable, type NestMiddleware } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { json } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AllConfig } from '../../config/configuration';
import {
  MalformedBodyError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors/request.errors';

interface BodyParserError {
  type?: string;
}

/**
 * Reads a JSON object body, turning every way it can be wrong into the
 * contract's 400/413/415 errors (which the global filter then shapes).
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;
  private readonly limitBytes: number;

  constructor(config: ConfigService<AllConfig, true>) {
    this.limitBytes = config.get('app.bodyLimitBytes', { infer: true });
    this.parse = json({ limit: this.limitBytes, strict: false, type: () => true });
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!req.is(['application/json', '+json'])) throw new UnsupportedMediaTypeError();
    await new Promise<void>((resolve, reject) => {
      this.parse(req, res, (error?: unknown) =>
        error ? reject(this.toDomainError(error)) : resolve(),
      );
    });
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new MalformedBodyError('The request body must be a JSON object.');
    }
    next();
  }

  private toDomainError(error: unknown): Error {
    const { type } = error as BodyParserError;
    if (type === 'entity.too.large') return new PayloadTooLargeError(this.limitBytes);
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return new UnsupportedMediaTypeError();
    }
    return new MalformedBodyError('The request body is not valid JSON.');
  }
}
