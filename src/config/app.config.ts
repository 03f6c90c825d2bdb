import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerAs } from '@nestjs/config';
import { parseKeyEntry, splitName } from '../common/auth/api-key';
import { parseByteSize, secondsToMs } from './env-units';
import { loadEnvironment } from './validate-environment';

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
  const env = loadEnvironment();
  const isProduction = env.NODE_ENV === 'production';
  const corsOrigins = env.CORS_ORIGINS ?? [];
  const apiKeys = env.API_KEYS ?? [];
  return {
    ...readPackageInfo(),
    nodeEnv: env.NODE_ENV,
    isProduction,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    corsOrigins: corsOrigins.length > 0 ? corsOrigins : isProduction ? [] : ['*'],
    bodyLimitBytes: parseByteSize(env.BODY_LIMIT),
    trustProxy: env.TRUST_PROXY,
    shutdownTimeoutMs: secondsToMs(env.SHUTDOWN_TIMEOUT),
    apiKeys: apiKeys.map(parseKeyEntry),
    /** What to blank out of log text: each entry's key part. */
    apiKeySecrets: apiKeys.map((entry) => splitName(entry).secret),
    authDisabled: env.AUTH_DISABLED,
    metricsToken: env.METRICS_TOKEN,
    keyLimits: env.KEY_LIMITS ?? {},
    playground: env.PLAYGROUND ?? !isProduction,
  };
});

export type AppConfig = ReturnType<typeof appConfig>;
