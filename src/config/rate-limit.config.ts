import { registerAs } from '@nestjs/config';
import { secondsToMs } from './env-units';
import { loadEnvironment } from './validate-environment';

export const rateLimitConfig = registerAs('rateLimit', () => {
  const env = loadEnvironment();
  return {
    requests: env.RATE_LIMIT_REQUESTS,
    windowMs: secondsToMs(env.RATE_LIMIT_WINDOW),
  };
});

export type RateLimitConfig = ReturnType<typeof rateLimitConfig>;
