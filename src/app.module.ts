import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AppController } from './app.controller';
import { ChatModule } from './chat/chat.module';
import { ApiKeyGuard } from './common/auth/api-key.guard';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { LoggingModule } from './common/logging/logging.module';
import { createValidationPipe } from './common/validation/validation.pipe';
import { configModule } from './config/configuration';
import { ConversationModule } from './conversation/conversation.module';
import { HealthModule } from './health/health.module';
import { InFlightMiddleware } from './lifecycle/in-flight.middleware';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsModule } from './metrics/metrics.module';
import { OpenAiCompatModule } from './openai-compat/openai-compat.module';
import { PlaygroundModule } from './playground/playground.module';
import { ClientThrottlerGuard } from './rate-limit/client-throttler.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './redis/redis.module';
import { UsageModule } from './usage/usage.module';

@Module({
  imports: [
    configModule(),
    LoggingModule.forRoot(),
    LifecycleModule,
    MetricsModule,
    RedisModule,
    RateLimitModule,
    UsageModule,
    ChatModule,
    ConversationModule,
    HealthModule,
    OpenAiCompatModule,
    PlaygroundModule,
  ],
  controllers: [AppController],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    // In this order: the rate limit counts per API key, so the key is checked first.
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ClientThrottlerGuard },
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(InFlightMiddleware, HttpMetricsMiddleware)
      .forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
