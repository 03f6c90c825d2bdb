import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { pageSecurityHeaders } from './page-security-headers';
import { PlaygroundAssets } from './playground-assets';
import { PlaygroundController } from './playground.controller';

/** GET /playground: a chat page for people, on unless production (PLAYGROUND). */
@Module({
  controllers: [PlaygroundController],
  providers: [PlaygroundAssets],
})
export class PlaygroundModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(pageSecurityHeaders()).forRoutes(PlaygroundController);
  }
}
