import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerAs } from '@nestjs/config';
import { toKeyDigest } from '../common/auth/api-key';
import { EnvReader } from './env-reader';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVIRONMENTS = ['production', 'development', 'test'] as const;

interface PackageInfo {
  name: string;
  version: string;
}

function readPackageInfo(): PackageInfo {
  // Two levels up from both src/config and dist/config.
  const raw = readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8');
  const { name, version } = JSON.parse(raw) as PackageInfo;
  return { name, version };
}

export const appConfig = registerAs('app', () => {
  const env = new EnvReader(process.env);
  const nodeEnv = env.oneOf('NODE_ENV', NODE_ENVIRONMENTS) ?? 'development';
  const isProduction = nodeEnv === 'production';
  const corsOrigins = env.list('CORS_ORIGINS');
  return {
    ...readPackageInfo(),
    nodeEnv,
    isProduction,
    port: env.integer('PORT', { min: 0, max: 65535 }),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS) ?? 'info',
    corsOrigins: corsOrigins.length > 0 ? corsOrigins : isProduction ? [] : ['*'],
    bodyLimitBytes: env.bytes('BODY_LIMIT'),
    trustProxy: env.boolean('TRUST_PROXY'),
    shutdownTimeoutMs: env.seconds('SHUTDOWN_TIMEOUT'),
    apiKeys: env.list('API_KEYS'),
    apiKeyDigests: env.list('API_KEYS').map(toKeyDigest),
  };
});

export type AppConfig = ReturnType<typeof appConfig>;
