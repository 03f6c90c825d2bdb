import { Catch, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { RequestAbortedError } from '../../llm/upstream.errors';
import { existingUpstreamTrace } from '../../llm/upstream-trace';
import { openAiErrorBody, speaksOpenAiWire } from '../errors/openai-error-body';
import { describeError, errorBody } from '../errors/error-response';
import { requestIdOf } from '../request-context/request-id';
import { SecretScrubber } from '../logging/secret-scrubber';

/**
 * Shapes every error the same way, whatever raised it: the contract's shape, or
 * OpenAI's on the OpenAI-compatible routes. The details go to the log only.
 */
@Catch()
@Injectable()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(
    @InjectPinoLogger(AllExceptionsFilter.name) private readonly logger: PinoLogger,
    private readonly scrubber: SecretScrubber,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const requestId = requestIdOf(req);
    if (exception instanceof RequestAbortedError || res.headersSent || res.destroyed) {
      this.logger.debug({ err: this.scrubber.describe(exception) }, 'request ended early');
      if (!res.writableEnded) res.end();
      return;
    }
    const problem = describeError(exception);
    if (problem.status >= 500) {
      this.logger.error({ err: this.scrubber.describe(exception) }, problem.message);
    }
    if (problem.retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(problem.retryAfterSeconds));
    }
    // A provider's failure says which upstream failed last and how long it was waited on.
    res.set(existingUpstreamTrace(res)?.headers() ?? {});
    res
      .status(problem.status)
      .json(
        speaksOpenAiWire(req.path)
          ? openAiErrorBody(problem, exception)
          : errorBody(problem, requestId),
      );
  }
}
