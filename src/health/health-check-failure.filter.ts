import {
  Catch,
  ServiceUnavailableException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';

/** Readiness answers 503 in @nestjs/terminus's own shape, which probes and dashboards expect. */
@Catch(ServiceUnavailableException)
export class HealthCheckFailureFilter implements ExceptionFilter {
  catch(exception: ServiceUnavailableException, host: ArgumentsHost): void {
    const result = exception.getResponse() as HealthCheckResult;
    // Terminus says `shutting_down` while draining; the contract's readiness is `ok` or `error`.
    const body = result.status === 'shutting_down' ? { ...result, status: 'error' } : result;
    host.switchToHttp().getResponse<Response>().status(503).json(body);
  }
}
