import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TokenUsage } from '../llm/llm.provider';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
// What the service adds to a call is counted in tenths of a millisecond and up.
const OVERHEAD_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5,
];

/**
 * Every metric the service exports, on a registry of its own (so two apps in
 * one process, as in tests, never share counters).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration until the response is finished',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly providerCalls = new Counter({
    name: 'openai_api_calls_total',
    help: 'Attempts to call the LLM provider, by model and outcome (ok, or the error code)',
    labelNames: ['model', 'status'] as const,
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: 'openai_tokens_used_total',
    help: 'Tokens billed by the provider, by model and type (prompt|completion)',
    labelNames: ['model', 'type'] as const,
    registers: [this.registry],
  });

  readonly cost = new Counter({
    name: 'llm_cost_usd_total',
    help: 'Estimated provider cost in USD, by model (models without a known price add nothing)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  readonly cacheRequests = new Counter({
    name: 'cache_requests_total',
    help: 'Response cache lookups by result (hit|miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'rate_limited_total',
    help: "Requests refused by this service's rate limit",
    registers: [this.registry],
  });

  readonly llmDuration = new Histogram({
    name: 'llm_request_duration_seconds',
    help: 'LLM requests, retries included, by provider, model and outcome',
    labelNames: ['provider', 'model', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly timeToFirstToken = new Histogram({
    name: 'llm_time_to_first_token_seconds',
    help: 'Time from the request to the first streamed piece of the answer',
    labelNames: ['provider', 'model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly activeStreams = new Gauge({
    name: 'sse_streams_active',
    help: 'Server-Sent Event streams open right now',
    registers: [this.registry],
  });

  readonly keyTokens = new Counter({
    name: 'llm_key_tokens_total',
    help: 'Tokens billed by the provider, by API key name (bounded by API_KEYS) and type',
    labelNames: ['key', 'type'] as const,
    registers: [this.registry],
  });

  readonly keyCost = new Counter({
    name: 'llm_key_cost_usd_total',
    help: 'Estimated provider cost in USD, by API key name (bounded by API_KEYS)',
    labelNames: ['key'] as const,
    registers: [this.registry],
  });

  readonly fallbacks = new Counter({
    name: 'llm_fallbacks_total',
    help: 'Requests sent on to a fallback model after the requested one failed, by both models',
    labelNames: ['from_model', 'to_model'] as const,
    registers: [this.registry],
  });

  readonly circuitOpen = new Gauge({
    name: 'llm_circuit_open',
    help: "An upstream+model circuit breaker's state: 1 open (or probing), 0 closed",
    labelNames: ['upstream', 'model'] as const,
    registers: [this.registry],
  });

  readonly gatewayOverhead = new Histogram({
    name: 'llm_gateway_overhead_seconds',
    help: "Time of LLM routes' requests not spent waiting on providers, by route",
    labelNames: ['route'] as const,
    buckets: OVERHEAD_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts an event stream in `sse_streams_active` for as long as `sending` runs. */
  async whileStreaming<T>(sending: () => Promise<T>): Promise<T> {
    this.activeStreams.inc();
    try {
      return await sending();
    } finally {
      this.activeStreams.dec();
    }
  }

  /** `key`: the API key's name or id, never the key, and only with API_KEYS, which bounds it. */
  recordUsage(
    model: string,
    usage: TokenUsage | null,
    cost: number | null,
    key: string | null = null,
  ): void {
    if (usage) {
      this.tokens.inc({ model, type: 'prompt' }, usage.promptTokens);
      this.tokens.inc({ model, type: 'completion' }, usage.completionTokens);
      if (key !== null) {
        this.keyTokens.inc({ key, type: 'prompt' }, usage.promptTokens);
        this.keyTokens.inc({ key, type: 'completion' }, usage.completionTokens);
      }
    }
    if (cost === null) return;
    this.cost.inc({ model }, cost);
    if (key !== null) this.keyCost.inc({ key }, cost);
  }
}
