import {
  LlmProvider,
  type LlmCall,
  type LlmCompletion,
  type LlmRequest,
  type LlmStreamEvent,
} from '../llm/llm.provider';
import { outcomeOf } from '../llm/llm-attempt';
import type { Metrics } from './metrics';

const seconds = (since: number) => (performance.now() - since) / 1000;

/** Times whole LLM requests (retries included) and the first streamed token, around any provider. */
export class InstrumentedLlmProvider extends LlmProvider {
  constructor(
    private readonly inner: LlmProvider,
    private readonly metrics: Metrics,
  ) {
    super();
  }

  get name() {
    return this.inner.name;
  }

  async complete(request: LlmRequest, call: LlmCall): Promise<LlmCompletion> {
    const started = performance.now();
    try {
      const completion = await this.inner.complete(request, call);
      this.observe(request, 'ok', started);
      return completion;
    } catch (error) {
      this.observe(request, outcomeOf(error), started);
      throw error;
    }
  }

  async stream(request: LlmRequest, call: LlmCall): Promise<AsyncIterable<LlmStreamEvent>> {
    const started = performance.now();
    try {
      return this.timed(await this.inner.stream(request, call), request, started);
    } catch (error) {
      this.observe(request, outcomeOf(error), started);
      throw error;
    }
  }

  private async *timed(
    events: AsyncIterable<LlmStreamEvent>,
    request: LlmRequest,
    started: number,
  ): AsyncGenerator<LlmStreamEvent> {
    let first = true;
    let outcome = 'aborted';
    try {
      for await (const event of events) {
        if (first && event.type === 'delta') {
          first = false;
          this.metrics.timeToFirstToken.observe(
            { provider: this.name, model: request.model },
            seconds(started),
          );
        }
        yield event;
      }
      outcome = 'ok';
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      this.observe(request, outcome, started);
    }
  }

  private observe(request: LlmRequest, outcome: string, started: number): void {
    this.metrics.llmDuration.observe(
      { provider: this.name, model: request.model, outcome },
      seconds(started),
    );
  }
}
