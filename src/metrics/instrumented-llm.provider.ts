import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  LlmProvider,
  type LlmCall,
  type LlmCompletion,
  type LlmRequest,
  type LlmStreamEvent,
  type WireRequest,
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

  complete(request: LlmRequest, call: LlmCall): Promise<LlmCompletion> {
    return this.timedCall(request, () => this.inner.complete(request, call));
  }

  async stream(request: LlmRequest, call: LlmCall): Promise<AsyncIterable<LlmStreamEvent>> {
    const started = performance.now();
    const events = await this.timedOpen(request, started, () => this.inner.stream(request, call));
    return this.timed(events, (event) => event.type === 'delta', request, started);
  }

  completeWire(request: WireRequest, call: LlmCall): Promise<ChatCompletion> {
    return this.timedCall(request, () => this.inner.completeWire(request, call));
  }

  async streamWire(
    request: WireRequest,
    call: LlmCall,
  ): Promise<AsyncIterable<ChatCompletionChunk>> {
    const started = performance.now();
    const chunks = await this.timedOpen(request, started, () =>
      this.inner.streamWire(request, call),
    );
    return this.timed(chunks, (chunk) => chunk.choices.length > 0, request, started);
  }

  private async timedCall<T>(request: { model: string }, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      this.observe(request, 'ok', started);
      return result;
    } catch (error) {
      this.observe(request, outcomeOf(error), started);
      throw error;
    }
  }

  /** A stream that fails to open is a whole request's outcome; one that opens is timed to its end. */
  private async timedOpen<T>(
    request: { model: string },
    started: number,
    open: () => Promise<T>,
  ): Promise<T> {
    try {
      return await open();
    } catch (error) {
      this.observe(request, outcomeOf(error), started);
      throw error;
    }
  }

  private async *timed<T>(
    events: AsyncIterable<T>,
    isContent: (event: T) => boolean,
    request: { model: string },
    started: number,
  ): AsyncGenerator<T> {
    let first = true;
    let outcome = 'aborted';
    try {
      for await (const event of events) {
        if (first && isContent(event)) {
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

  private observe(request: { model: string }, outcome: string, started: number): void {
    this.metrics.llmDuration.observe(
      { provider: this.name, model: request.model, outcome },
      seconds(started),
    );
  }
}
