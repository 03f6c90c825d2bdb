import { Global, Module } from '@nestjs/common';
import { UsageController } from './usage.controller';
import { UsageLedger } from './usage.ledger';
import { UsageService } from './usage.service';

/** Each API key's usage and budgets; global, for the cost-tracking interceptor of every LLM route. */
@Global()
@Module({
  controllers: [UsageController],
  providers: [UsageLedger, UsageService],
  exports: [UsageLedger],
})
export class UsageModule {}
