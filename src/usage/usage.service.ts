import { Injectable } from '@nestjs/common';
import type { UsageResponseDto } from './dto/usage-response.dto';
import { periodsAt } from './usage-periods';
import { UsageLedger } from './usage.ledger';

@Injectable()
export class UsageService {
  constructor(private readonly ledger: UsageLedger) {}

  async describe(keyId: string, now = new Date()): Promise<UsageResponseDto> {
    const { day, month } = await this.ledger.usageOf(keyId, now);
    const { dayEndsAt, monthEndsAt } = periodsAt(now);
    const limits = this.ledger.limitsOf(keyId);
    return {
      key: keyId,
      day: { ...day, resets_at: dayEndsAt.toISOString() },
      month: { ...month, resets_at: monthEndsAt.toISOString() },
      limits: {
        requests_per_minute: limits.requests_per_minute ?? null,
        tokens_per_day: limits.tokens_per_day ?? null,
        usd_per_month: limits.usd_per_month ?? null,
      },
    };
  }
}
