import { Controller, Get, Header, Param, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PublicRoute } from '../common/auth/public-route.decorator';
import { PlaygroundAssets } from './playground-assets';

const PAGE = 'index.html';

/** The chat page and its script and styles; the calls the page makes are ordinary /api/v1 calls. */
@ApiExcludeController()
@PublicRoute()
@SkipThrottle()
@Controller('playground')
export class PlaygroundController {
  constructor(private readonly assets: PlaygroundAssets) {}

  @Get()
  @Header('Cache-Control', 'no-cache')
  page(): StreamableFile {
    return this.assets.file(PAGE);
  }

  @Get(':file')
  @Header('Cache-Control', 'no-cache')
  asset(@Param('file') file: string): StreamableFile {
    return this.assets.file(file);
  }
}
