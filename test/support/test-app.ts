import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { APP_OPTIONS, configureApp } from '../../src/app.setup';
import { ENVIRONMENT_VARIABLES } from '../../src/config/environment-variables';

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

/**
 * Quiet and fast-retrying; the cache, the rate limit and the circuit breaker
 * stay out of the way unless a test turns them on, since most tests count
 * provider calls.
 */
const TEST_DEFAULTS: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  OPENAI_RETRY_BASE_DELAY: '0.001',
  ENABLE_CACHE: 'false',
  RATE_LIMIT_REQUESTS: '1000000',
  CIRCUIT_FAILURES: '1000000',
};

/**
 * Starts the real AppModule, configured by `env` exactly as production reads its
 * environment, listening on a free loopback port.
 */
export async function startTestApp(
  env: Record<string, string | undefined>,
  customize: (builder: TestingModuleBuilder) => TestingModuleBuilder = (builder) => builder,
): Promise<TestApp> {
  const saved = { ...process.env };
  for (const name of Object.keys(ENVIRONMENT_VARIABLES)) delete process.env[name];
  Object.assign(process.env, TEST_DEFAULTS);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    const moduleRef = await customize(Test.createTestingModule({ imports: [AppModule] })).compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>(APP_OPTIONS);
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
  } finally {
    process.env = saved;
  }
}

/** Env for an app that talks to `baseUrl` through the real OpenAI SDK path. */
export function providerEnv(baseUrl: string): Record<string, string> {
  return {
    OPENAI_API_KEY: 'test-provider-key',
    OPENAI_BASE_URL: baseUrl,
    OPENAI_MODEL: 'gpt-4o-mini',
  };
}
