import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  LlmProvider,
  type LlmCall,
  type LlmCompletion,
  type LlmRequest,
  type LlmStreamEvent,
  type WireRequest,
} from '../llm.provider';
import { outcomeOf } from '../llm-attempt';
import { CircuitOpenError, RequestAbortedError, RetryableUpstreamError } from '../upstream.errors';
import type { UpstreamTrace } from '../upstream-trace';
import type { CircuitBreaker } from './circuit-breaker';
import { weightedOrder } from './weighted-order';

/** One OpenAI-compatible deployment, reached through its own provider. */
export interface Upstream {
  name: string;
  provider: LlmProvider;
  /** The models it serves; absent: every model. */
  models?: ReadonlySet<string>;
  weight: number;
}

export type FallbackListener = (fromModel: string, toModel: string) => void;

/** The stream as it is read, counting the waits for the provider's next piece. */
async function* waitedOn<T>(events: AsyncIterable<T>, trace: UpstreamTrace): AsyncGenerator<T> {
  const iterator = events[Symbol.asyncIterator]();
  try {
    for (;;) {
      const started = performance.now();
      const next = await iterator.next();
      trace.waited(performance.now() - started);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * Sends each call to the upstreams that serve its model, in weighted random
 * order and skipping open circuits, then to the fallback models in turn, as
 * long as the failures are retryable; any other failure is the answer.
 */
export class FailoverLlmProvider extends LlmProvider {
  readonly name;
  private readonly servers = new Map<string, readonly Upstream[]>();

  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly fallbackModels: readonly string[],
    private readonly breaker: CircuitBreaker,
    private readonly onFallback: FallbackListener,
  ) {
    super();
    this.name = upstreams[0]!.provider.name;
  }

  complete(request: LlmRequest, call: LlmCall): Promise<LlmCompletion> {
    return this.failover(request, call, (provider, attempt) => provider.complete(attempt, call));
  }

  stream(request: LlmRequest, call: LlmCall): Promise<AsyncIterable<LlmStreamEvent>> {
    return this.failover(request, call, async (provider, attempt) =>
      this.timed(await provider.stream(attempt, call), call),
    );
  }

  completeWire(request: WireRequest, call: LlmCall): Promise<ChatCompletion> {
    return this.failover(request, call, (provider, attempt) =>
      provider.completeWire(attempt, call),
    );
  }

  streamWire(request: WireRequest, call: LlmCall): Promise<AsyncIterable<ChatCompletionChunk>> {
    return this.failover(request, call, async (provider, attempt) =>
      this.timed(await provider.streamWire(attempt, call), call),
    );
  }

  private async failover<R extends { model: string }, T>(
    request: R,
    call: LlmCall,
    send: (provider: LlmProvider, attempt: R) => Promise<T>,
  ): Promise<T> {
    let failure: RetryableUpstreamError | undefined;
    let soonestMs = Number.POSITIVE_INFINITY;
    for (const model of this.modelsFor(request.model)) {
      let triedModel = false;
      for (const upstream of weightedOrder(this.serversOf(model))) {
        const admission = await this.breaker.admit(upstream.name, model);
        if (!admission.go) {
          soonestMs = Math.min(soonestMs, admission.waitMs);
          continue;
        }
        if (!triedModel && model !== request.model) this.onFallback(request.model, model);
        triedModel = true;
        try {
          return await this.attempt(upstream, model, call, () =>
            send(upstream.provider, { ...request, model }),
          );
        } catch (error) {
          if (!(error instanceof RetryableUpstreamError)) throw error;
          failure = error;
          const openMs = await this.breaker.failed(upstream.name, model);
          if (openMs > 0) soonestMs = Math.min(soonestMs, openMs);
        }
      }
    }
    throw failure ?? new CircuitOpenError(soonestMs);
  }

  /** One upstream's try; anything but a retryable failure or the caller leaving shows the upstream is up. */
  private async attempt<T>(
    upstream: Upstream,
    model: string,
    { trace }: LlmCall,
    work: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const report = (outcome: string) =>
      trace?.record({ upstream: upstream.name, model, outcome, ms: performance.now() - started });
    try {
      const result = await work();
      report('ok');
      this.breaker.succeeded(upstream.name, model);
      return result;
    } catch (error) {
      report(outcomeOf(error));
      if (error instanceof RequestAbortedError) this.breaker.abandoned(upstream.name, model);
      else if (!(error instanceof RetryableUpstreamError))
        this.breaker.succeeded(upstream.name, model);
      throw error;
    }
  }

  private timed<T>(events: AsyncIterable<T>, { trace }: LlmCall): AsyncIterable<T> {
    return trace ? waitedOn(events, trace) : events;
  }

  private modelsFor(requested: string): string[] {
    return [requested, ...this.fallbackModels.filter((model) => model !== requested)];
  }

  private serversOf(model: string): readonly Upstream[] {
    let servers = this.servers.get(model);
    if (!servers) {
      servers = this.upstreams.filter((upstream) => upstream.models?.has(model) ?? true);
      this.servers.set(model, servers);
    }
    return servers;
  }
}
