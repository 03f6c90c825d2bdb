import { registerAs } from '@nestjs/config';
import { EnvReader } from './env-reader';

export const rateLimitConfig = registerAs('rateLimit', () => {
  const env = new EnvReader(process.env);
  return {
    requests: env.integer('RATE_LIMIT_REQUESTS', { min: 1 }),
    windowMs: env.seconds('RATE_LIMIT_WINDOW'),
  };
});

export type RateLimitConfig = ReturnType<typeof rateLimitConfig>;
