import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp } from './app.setup';
import { assertValidConfiguration } from './config/configuration';
import { ConfigValidationError } from './config/env-reader';

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
  await app.listen(port);
}

void bootstrap();
