import { Global, Module } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { LlmCallRecorder } from './llm-call-recorder';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [Metrics, HttpMetricsMiddleware, LlmCallRecorder],
  exports: [Metrics, HttpMetricsMiddleware, LlmCallRecorder],
})
export class MetricsModule {}
