import { Gauge, Registry } from 'prom-client';
import type { RedisConnection } from '../../redis/redis.connection';
import { CircuitBreaker } from './circuit-breaker';

const WITHOUT_REDIS = { client: undefined, keyPrefix: 'test:' } as unknown as RedisConnection;

describe('CircuitBreaker without Redis', () => {
  let gauge: Gauge<'upstream' | 'model'>;
  let sut: CircuitBreaker;

  beforeEach(() => {
    gauge = new Gauge({
      name: 'llm_circuit_open',
      help: 'test',
      labelNames: ['upstream', 'model'],
      registers: [new Registry()],
    });
    sut = new CircuitBreaker(
      { threshold: 2, cooldownMs: 60_000, probeLeaseMs: 60_000 },
      WITHOUT_REDIS,
      gauge,
    );
  });

  const gaugeOf = async (upstream: string, model: string) =>
    (await gauge.get()).values.find(
      ({ labels }) => labels.upstream === upstream && labels.model === model,
    )?.value;

  it('shows every watched pair closed from the start, model names with colons included', async () => {
    sut.watch('local', 'llama3:8b');

    expect(await gaugeOf('local', 'llama3:8b')).toBe(0);
  });

  it('opens after the threshold of failures in a row, for that upstream and model only', async () => {
    await sut.failed('primary', 'gpt-4o-mini');
    expect(await sut.admit('primary', 'gpt-4o-mini')).toEqual({ go: true, probe: false });

    const openForMs = await sut.failed('primary', 'gpt-4o-mini');

    expect(openForMs).toBeGreaterThan(59_000);
    expect(await sut.admit('primary', 'gpt-4o-mini')).toEqual({
      go: false,
      waitMs: expect.any(Number),
    });
    expect(await sut.admit('primary', 'gpt-4o')).toEqual({ go: true, probe: false });
    expect(await sut.admit('backup', 'gpt-4o-mini')).toEqual({ go: true, probe: false });
    expect(await gaugeOf('primary', 'gpt-4o-mini')).toBe(1);
  });

  it('counts only consecutive failures: a success in between starts over', async () => {
    await sut.failed('primary', 'gpt-4o-mini');
    sut.succeeded('primary', 'gpt-4o-mini');
    await sut.failed('primary', 'gpt-4o-mini');

    expect(await sut.admit('primary', 'gpt-4o-mini')).toEqual({ go: true, probe: false });
  });

  it('lets the next caller probe when a probing caller left', async () => {
    const breaker = new CircuitBreaker(
      { threshold: 1, cooldownMs: 1, probeLeaseMs: 60_000 },
      WITHOUT_REDIS,
      gauge,
    );
    await breaker.failed('primary', 'm');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await breaker.admit('primary', 'm')).toEqual({ go: true, probe: true });
    expect((await breaker.admit('primary', 'm')).go).toBe(false);

    breaker.abandoned('primary', 'm');

    expect(await breaker.admit('primary', 'm')).toEqual({ go: true, probe: true });
  });
});
