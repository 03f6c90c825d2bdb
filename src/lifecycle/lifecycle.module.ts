import { Global, Module } from '@nestjs/common';
import { Drain } from './drain';
import { InFlightMiddleware } from './in-flight.middleware';

@Global()
@Module({
  providers: [Drain, InFlightMiddleware],
  exports: [Drain, InFlightMiddleware],
})
export class LifecycleModule {}
