import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Observable, finalize, from, mergeMap, tap, type Subscriber } from 'rxjs';
import type { AllConfig } from '../../config/configuration';
import type { TokenUsage } from '../../llm/llm.provider';
import { ModelPricing } from '../../llm/model-pricing';
import { Metrics } from '../../metrics/metrics';
import { UsageLedger, type Reservation } from '../../usage/usage.ledger';
import { callerOf } from '../auth/caller';
import { setLlmLogFields } from '../logging/request-log';
import {
  SPEND_ESTIMATE,
  type SpendDefaults,
  type SpendEstimator,
} from './spend-estimate.decorator';

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
 * calling key's budgets (its worst case reserved before the handler runs,
 * settled with what the provider reported), its usage, the token and cost
 * metrics, and the conversation, model, tokens, cost and cache fields of the
 * request's log line. A stream the client left spends what was never reported.
 */
@Injectable()
export class CostTrackingInterceptor implements NestInterceptor<LlmSpend, LlmSpend> {
  private readonly defaults: SpendDefaults;

  constructor(
    private readonly metrics: Metrics,
    private readonly ledger: UsageLedger,
    private readonly pricing: ModelPricing,
    private readonly reflector: Reflector,
    config: ConfigService<AllConfig, true>,
  ) {
    const { defaultModel, maxTokens } = config.get('llm', { infer: true });
    this.defaults = { model: defaultModel, maxTokens };
  }

  intercept(context: ExecutionContext, next: CallHandler<LlmSpend>): Observable<LlmSpend> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const { keyId } = callerOf(req);
    if (keyId === null) return next.handle().pipe(tap((spend) => this.track(res, spend, null)));
    return from(this.reserve(context, keyId, req.body)).pipe(
      mergeMap((reservation) => {
        let settled = false;
        return next.handle().pipe(
          tap((spend) => {
            settled = true;
            this.track(res, spend, keyId);
            void this.ledger.settle(reservation, {
              promptTokens: spend.cached ? 0 : (spend.usage?.promptTokens ?? 0),
              completionTokens: spend.cached ? 0 : (spend.usage?.completionTokens ?? 0),
              usd: spend.cached ? 0 : (spend.costUsd ?? 0),
            });
          }),
          finalize(() => {
            if (!settled) void this.ledger.release(reservation);
          }),
        );
      }),
    );
  }

  private reserve(context: ExecutionContext, keyId: string, body: unknown): Promise<Reservation> {
    const estimate = this.reflector.getAllAndOverride<SpendEstimator | undefined>(SPEND_ESTIMATE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const worst = estimate?.(body, this.defaults);
    const usd = worst
      ? (this.pricing.costOf(worst.model, {
          promptTokens: worst.promptTokens,
          completionTokens: worst.completionTokens,
        }) ?? 0)
      : 0;
    return this.ledger.reserve(keyId, worst ? worst.promptTokens + worst.completionTokens : 0, usd);
  }

  private track(
    res: Response,
    { model, usage, costUsd, cached, conversationId }: LlmSpend,
    keyId: string | null,
  ): void {
    if (!cached) this.metrics.recordUsage(model, usage, costUsd, keyId);
    setLlmLogFields(res, {
      conversation: conversationId,
      model,
      cached,
      tokens: usage ? usage.promptTokens + usage.completionTokens : null,
      cost: costUsd,
    });
  }
}
