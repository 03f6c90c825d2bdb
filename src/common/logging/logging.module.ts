import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import type { AppConfig } from '../../config/app.config';
import type { AllConfig } from '../../config/configuration';
import { batchedStdout } from './batched-log-destination';
import { SecretScrubber } from './secret-scrubber';

export function loggerParams(app: AppConfig): Params {
  const options: PinoHttpOptions = {
    level: app.logLevel,
    // Headers are not logged at all, so no credential can ride along in one.
    serializers: {
      req: (req: { id: string; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return {
    pinoHttp:
      app.nodeEnv === 'development'
        ? { ...options, transport: { target: 'pino-pretty' } }
        : [options, batchedStdout()],
    // nestjs-pino's own request middleware binds a logger to each request through
    // AsyncLocalStorage; RequestLogMiddleware writes the request line instead.
    forRoutes: [],
  };
}

@Global()
@Module({
  providers: [SecretScrubber],
  exports: [SecretScrubber],
})
export class LoggingModule {
  /**
   * nestjs-pino provides a logger for each @InjectPinoLogger that ran before
   * forRoot: called from AppModule's decorator, every class has loaded by then.
   */
  static forRoot(): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<AllConfig, true>) =>
            loggerParams(config.get('app', { infer: true })),
        }),
      ],
    };
  }
}
