import { Catch, Injectable, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { RequestAbortedError } from '../../llm/upstream.errors';
import { describeError } from '../errors/error-response';
import { requestIdOf } from '../request-context/request-id';
import { SecretScrubber } from '../logging/secret-scrubber';

/** Shapes every error the same way, whatever raised it; the details go to the log only. */
@Catch()
@Injectable()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(
    @InjectPinoLogger(AllExceptionsFilter.name) private readonly logger: PinoLogger,
    private readonly scrubber: SecretScrubber,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const res = reply.raw;
    const requestId = requestIdOf(req);
    if (exception instanceof RequestAbortedError || res.headersSent || res.destroyed) {
      this.logger.debug(
        { req: { id: requestId }, err: this.scrubber.describe(exception) },
        'request ended early',
      );
      if (!res.writableEnded) res.end();
      return;
    }
    const problem = describeError(exception);
    if (problem.status >= 500) {
      this.logger.error(
        { req: { id: requestId }, err: this.scrubber.describe(exception) },
        problem.message,
      );
    }
    if (problem.retryAfterSeconds !== undefined) {
      void reply.header('Retry-After', String(problem.retryAfterSeconds));
    }
    void reply.status(problem.status).send({
      error: problem.error,
      message: problem.message,
      request_id: requestId,
      ...(problem.details && { details: problem.details }),
      ...(problem.retryAfterSeconds !== undefined && { retry_after: problem.retryAfterSeconds }),
    });
  }
}
