import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import type { Caller } from '../common/auth/caller';
import { spending, type LlmSpend } from '../common/interceptors/cost-tracking.interceptor';
import { sendEventStream } from '../common/sse/event-stream';
import type { LlmCall } from '../llm/llm.provider';
import { Metrics } from '../metrics/metrics';
import { OpenAiCompatService } from './openai-compat.service';

/** Puts an OpenAI-wire answer on the wire: `chat.completion` JSON, or chunks ending in `[DONE]`. */
@Injectable()
export class OpenAiCompatResponder {
  constructor(
    private readonly compat: OpenAiCompatService,
    private readonly metrics: Metrics,
  ) {}

  reply(
    rawBody: Record<string, unknown>,
    caller: Caller,
    call: LlmCall,
    res: Response,
  ): Observable<LlmSpend> {
    return spending(async (spent) => {
      const body = this.compat.accept(rawBody);
      if (!body.stream) {
        const { completion, spend } = await this.compat.complete(body, caller, call);
        spent.next(spend);
        res
          .status(200)
          .set({ 'X-Cache': spend.cached ? 'HIT' : 'MISS', ...call.trace?.headers() })
          .json(completion);
        return;
      }
      const events = await this.compat.openStream(body, call, (spend) => spent.next(spend));
      await this.metrics.whileStreaming(() => sendEventStream(res, events, { ...call.trace?.headers() }));
    });
  }
}
