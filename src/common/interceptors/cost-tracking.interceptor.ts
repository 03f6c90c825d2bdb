import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Response } from 'express';
import { Observable, tap, type Subscriber } from 'rxjs';
import type { TokenUsage } from '../../llm/llm.provider';
import { Metrics } from '../../metrics/metrics';
import { setLlmLogFields } from '../logging/request-log';

/** What one answered LLM request spent: a handler emits it just before the answer's last bytes. */
export interface LlmSpend {
  model: string;
  usage: TokenUsage | null;
  /** USD; null when the model has no known price. */
  costUsd: number | null;
  /** Answered from the cache: nothing was billed. */
  cached: boolean;
  /** The conversation the answer joined, on routes that keep one. */
  conversationId?: string;
}

/**
 * What an LLM route's handler returns: an Observable of what `work` spends,
 * completing when the answer is sent and failing as `work` fails.
 */
export function spending(
  work: (spent: Subscriber<LlmSpend>) => Promise<void>,
): Observable<LlmSpend> {
  return new Observable<LlmSpend>((spent) => {
    work(spent).then(
      () => spent.complete(),
      (error: unknown) => spent.error(error),
    );
  });
}

/**
 * Accounts for what LLM routes spend, JSON answers and streams alike: the
 * token and cost metrics, and the conversation, model, tokens, cost and cache
 * fields of the request's log line. A stream the client left spends what was never reported.
 */
@Injectable()
export class CostTrackingInterceptor implements NestInterceptor<LlmSpend, LlmSpend> {
  constructor(private readonly metrics: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler<LlmSpend>): Observable<LlmSpend> {
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(tap((spend) => this.track(res, spend)));
  }

  private track(res: Response, { model, usage, costUsd, cached, conversationId }: LlmSpend): void {
    if (!cached) this.metrics.recordUsage(model, usage, costUsd);
    setLlmLogFields(res, {
      conversation: conversationId,
      model,
      cached,
      tokens: usage ? usage.promptTokens + usage.completionTokens : null,
      cost: costUsd,
    });
  }
}
