import type { IncomingMessage, ServerResponse } from 'node:http';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/app.config';
import type { AllConfig } from '../../config/configuration';
import { requestIdOf } from '../request-context/request-id';
import { isProbe, withRequestFields } from './request-log';
import { SecretScrubber } from './secret-scrubber';

function loggerParams(app: AppConfig): Params {
  return {
    pinoHttp: {
      level: app.logLevel,
      // identifyRequest gave every request its id before pino-http sees it.
      genReqId: requestIdOf,
      // Added to the request's last line only: custom props would make a child logger per request.
      customSuccessObject: withRequestFields,
      customErrorObject: (req: IncomingMessage, res: ServerResponse, _error: Error, line: object) =>
        withRequestFields(req, res, line),
      autoLogging: { ignore: isProbe },
      // A client that hung up is not a server error.
      customLogLevel: (_req: IncomingMessage, res: ServerResponse) =>
        res.statusCode >= 500 && res.writableFinished ? 'error' : 'info',
      // Headers are not logged at all, so no credential can ride along in one.
      serializers: {
        req: (req: { id: string; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      transport: app.nodeEnv === 'development' ? { target: 'pino-pretty' } : undefined,
    },
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
