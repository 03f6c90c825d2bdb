import type { AppConfig } from '../../config/app.config';
import { batchedStdout } from './batched-log-destination';
import { loggerParams } from './logging.module';

const appWith = (nodeEnv: AppConfig['nodeEnv']) => ({ nodeEnv, logLevel: 'info' }) as AppConfig;

describe('loggerParams', () => {
  it.each(['production', 'test'] as const)(
    'writes %s logs to standard output in batches, through one destination per process',
    (nodeEnv) => {
      const [options, stream] = loggerParams(appWith(nodeEnv)).pinoHttp as unknown[];

      expect(options).toMatchObject({ level: 'info' });
      expect(stream).toBe(batchedStdout());
    },
  );

  it('pretty-prints development logs, which nobody parses', () => {
    const { pinoHttp } = loggerParams(appWith('development'));

    expect(pinoHttp).toMatchObject({ level: 'info', transport: { target: 'pino-pretty' } });
  });
});
