import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp } from './app.setup';
import { assertValidConfiguration } from './config/configuration';
import { ConfigValidationError } from './config/config-validation.error';

async function bootstrap(): Promise<void> {
  try {
    assertValidConfiguration();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule, APP_OPTIONS);
  const { port } = configureApp(app);
  // Our own handler rather than enableShutdownHooks(), which re-raises the signal: a drained stop exits 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  await app.listen(port);
}

void bootstrap();
