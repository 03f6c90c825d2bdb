import type { PinoLogger } from 'nestjs-pino';
import type { LlmAttempt } from '../llm/llm-attempt';
import { LlmCallRecorder } from './llm-call-recorder';
import { Metrics } from './metrics';

interface Line {
  level: 'debug' | 'info';
  fields: Record<string, unknown>;
  message: string;
}

const attemptOf = (overrides: Partial<LlmAttempt>): LlmAttempt => ({
  upstream: 'default',
  model: 'gpt-4o-mini',
  attempt: 1,
  outcome: 'ok',
  durationMs: 12.4,
  ...overrides,
});

describe('LlmCallRecorder', () => {
  let lines: Line[];
  let metrics: Metrics;
  let sut: LlmCallRecorder;

  beforeEach(() => {
    lines = [];
    const logAt = (level: Line['level']) => (fields: Record<string, unknown>, message: string) =>
      lines.push({ level, fields, message });
    const logger = { debug: logAt('debug'), info: logAt('info') } as unknown as PinoLogger;
    metrics = new Metrics();
    sut = new LlmCallRecorder(metrics, logger);
  });

  const callsCounted = async () =>
    (await metrics.providerCalls.get()).values.map(({ labels, value }) => ({ ...labels, value }));

  it('logs a first-try success at debug only: the request line tells it at info', async () => {
    sut.record(attemptOf({}));

    expect(lines).toEqual([
      {
        level: 'debug',
        message: 'provider call',
        fields: {
          upstream: 'default',
          model: 'gpt-4o-mini',
          attempt: 1,
          outcome: 'ok',
          latencyMs: 12,
        },
      },
    ]);
    expect(await callsCounted()).toEqual([{ model: 'gpt-4o-mini', status: 'ok', value: 1 }]);
  });

  it('logs every failed attempt and the success that follows a retry at info', async () => {
    sut.record(attemptOf({ outcome: 'upstream_unavailable' }));
    sut.record(attemptOf({ attempt: 2 }));

    expect(lines.map(({ level, fields }) => [level, fields.attempt, fields.outcome])).toEqual([
      ['info', 1, 'upstream_unavailable'],
      ['info', 2, 'ok'],
    ]);
    expect(await callsCounted()).toEqual(
      expect.arrayContaining([
        { model: 'gpt-4o-mini', status: 'upstream_unavailable', value: 1 },
        { model: 'gpt-4o-mini', status: 'ok', value: 1 },
      ]),
    );
  });
});
